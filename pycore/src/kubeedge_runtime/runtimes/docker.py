"""Docker Engine with cri-dockerd (KubeEdge v1.14+), or the built-in dockershim (v1.12-v1.13).

``daemon.json`` keys are merged into the user's file. cri-dockerd gets its pause image and CNI
flags from our units in /etc/systemd/system, which take precedence over a packaged unit of the
same name (that file stays untouched); install.sh links a packaged binary to the path they run.
"""

from __future__ import annotations

from .. import facts
from ..plan import ConfigFile, RuntimePlan, cni_bin_dir, cni_download, cni_files, download
from ..selection import DOCKERSHIM, Selection

DAEMON_JSON = "/etc/docker/daemon.json"
UNIT_DIR = "/etc/systemd/system"
CRI_DOCKERD_BIN = "/usr/local/bin/cri-dockerd"


def daemon_json(sel: Selection) -> dict:
    data: dict = {"exec-opts": [f"native.cgroupdriver={sel.cgroup_driver}"]}
    if sel.image_mirror:
        data["registry-mirrors"] = [f"{'http' if sel.mirror_plain_http else 'https'}://{sel.mirror_host}"]
        if sel.mirror_plain_http:  # dockerd refuses a plain-HTTP registry not listed here
            data["insecure-registries"] = [sel.mirror_host.split("/", 1)[0]]
    return data


def cri_dockerd_exec(sel: Selection) -> list[str]:
    return [
        CRI_DOCKERD_BIN,
        "--container-runtime-endpoint", "fd://",
        f"--pod-infra-container-image={sel.sandbox_ref}",
        "--network-plugin=cni",
        f"--cni-bin-dir={cni_bin_dir(sel)}",
        f"--cni-conf-dir={facts.CNI.get('conf_dir', '0')}",
    ]


def units(sel: Selection) -> list[ConfigFile]:
    """cri-dockerd's upstream units (packaging/systemd), with our flags in ExecStart."""
    service = {
        "Unit": {"Description": "CRI Interface for Docker Application Container Engine",
                 "After": "network-online.target firewalld.service docker.service",
                 "Wants": "network-online.target", "Requires": "cri-docker.socket"},
        "Service": {"Type": "notify", "ExecStart": " ".join(cri_dockerd_exec(sel)),
                    "ExecReload": "/bin/kill -s HUP $MAINPID", "TimeoutSec": "0", "RestartSec": "2",
                    "Restart": "always", "StartLimitBurst": "3", "StartLimitInterval": "60s",
                    "LimitNOFILE": "infinity", "LimitNPROC": "infinity", "LimitCORE": "infinity",
                    "TasksMax": "infinity", "Delegate": "yes", "KillMode": "process"},
        "Install": {"WantedBy": "multi-user.target"},
    }
    socket = {
        "Unit": {"Description": "CRI Docker Socket for the API", "PartOf": "cri-docker.service"},
        "Socket": {"ListenStream": "%t/cri-dockerd.sock", "SocketMode": "0660", "SocketUser": "root",
                   "SocketGroup": "docker"},
        "Install": {"WantedBy": "sockets.target"},
    }
    return [
        ConfigFile("cri-docker-service", UNIT_DIR + "/cri-docker.service", "ini", service, "title.cri_docker_service",
                   service="cri-docker"),
        ConfigFile("cri-docker-socket", UNIT_DIR + "/cri-docker.socket", "ini", socket, "title.cri_docker_socket",
                   service="cri-docker.socket"),
    ]


def plan(sel: Selection) -> RuntimePlan:
    files = [ConfigFile("docker-daemon", DAEMON_JSON, "json", daemon_json(sel), "title.docker_daemon",
                        apply="json-merge", service="docker", comment=False)]
    packages = {"apt": ["docker.io"], "dnf": ["docker-ce"], "openeuler": ["docker"]}
    inputs = {"docker": [DAEMON_JSON, "bin:dockerd"]}
    docker_checks = [{"kind": "docker-cgroup", "driver": sel.cgroup_driver},
                     {"kind": "running-current", "unit": "docker"}]
    if sel.image_mirror:
        docker_checks.append({"kind": "docker-mirror", "mirror": daemon_json(sel)["registry-mirrors"][0]})
    if sel.runtime_version == DOCKERSHIM:
        p = RuntimePlan("docker", facts.CRI_DOCKERD.get("dockershim_socket", "0"), ["docker"], files=files,
                        packages=packages, service_inputs=inputs, script={"dockershim": True})
        p.checks = docker_checks
        return p
    files += units(sel)
    files += cni_files(sel)
    inputs["cri-docker.socket"] = [UNIT_DIR + "/cri-docker.socket"]
    inputs["cri-docker"] = [UNIT_DIR + "/cri-docker.service", CRI_DOCKERD_BIN]
    p = RuntimePlan(
        "docker", facts.CRI_DOCKERD.get("socket", "0"), ["docker", "cri-docker.socket", "cri-docker"],
        files=files, packages=packages, needs_cni=True, cni_bin_dir=cni_bin_dir(sel), service_inputs=inputs,
        downloads=[download("cri-dockerd", sel.runtime_version, sel), cni_download(sel)],
        script={"dockershim": False},
    )
    ep = p.endpoint
    p.checks = docker_checks + [
        {"kind": "cri", "endpoint": ep, "name": "docker"},  # cri-dockerd answers (a socket file proves nothing)
        {"kind": "running-current", "unit": "cri-docker"},
        {"kind": "cri-status", "endpoint": ep, "what": "sandbox image", "value": sel.sandbox_ref,
         "needle": f'"sandboxImage":"{sel.sandbox_ref}"'},
        {"kind": "cri-cgroup", "endpoint": ep, "driver": sel.cgroup_driver},
        {"kind": "cni-plugins", "dir": p.cni_bin_dir},
    ]
    return p


def yum_repo(sel: Selection) -> dict:
    """Docker CE's repository for the dnf family (download.docker.com/linux/<centos|rhel>)."""
    distro = "rhel" if sel.os == "rhel" else "centos"
    return {"docker-ce-stable": {
        "name": "Docker CE Stable - $basearch",
        "baseurl": f"https://download.docker.com/linux/{distro}/$releasever/$basearch/stable",
        "enabled": "1", "gpgcheck": "1", "gpgkey": f"https://download.docker.com/linux/{distro}/gpg"}}
