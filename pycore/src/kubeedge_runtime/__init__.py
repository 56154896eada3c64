"""KubeEdge Runtime Configurator: one pure-Python core behind the CLI, the docs build and the browser."""

__version__ = "0.1.0"

from .core import generate  # noqa: E402

__all__ = ["generate", "__version__"]
