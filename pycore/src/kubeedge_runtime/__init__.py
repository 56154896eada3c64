"""KubeEdge Runtime Configurator: one pure-Python core behind the CLI, the docs build and the browser."""

__version__ = "0.1.0"

__all__ = ["generate", "__version__"]


def __getattr__(name: str):
    # `import kubeedge_runtime` stays light (the CLI's --help, tools that only read __version__)
    if name == "generate":
        from .core import generate

        return generate
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
