"""Run a real single-node Apache Kafka broker (KRaft, no ZooKeeper) on 127.0.0.1.

No pip or apt package ships a Kafka broker, so the broker jars come from Maven
Central: the pom below is written to the cache dir and ``mvn
dependency:copy-dependencies`` copies ``kafka_2.13`` and its runtime deps into
``<cache>/kafka-<version>/libs`` (once; about 45 MB). The broker is then
started as ``java -cp 'libs/*' kafka.Kafka server.properties``, detached from
the caller, with everything (config, pid file, log, partition data) in one
data dir.

Needs Java >= 17 and (for the first download only) Maven on PATH.

CLI::

    python -m spotify_mds.operations.kafka_local start|stop|status [--data-dir DIR] [--port N]

Stdlib only at module level; ``confluent_kafka`` is used for the readiness
check when it is importable.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import logging
import os
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from spotify_mds.errors import KafkaUnavailable

logger = logging.getLogger(__name__)

# 4.4.0 is listed on Maven Central but was published incomplete (its
# kafka-tools-api-4.4.0 dependency is missing), so it cannot be resolved.
KAFKA_VERSION = "4.3.1"
LOG4J_VERSION = "2.25.4"  # the log4j-core version kafka-server 4.3.1 pulls in
MIN_JAVA = 17
HOST = "127.0.0.1"
DEFAULT_PORT = 9092
DEFAULT_CONTROLLER_PORT = 9093
START_TIMEOUT = 60.0

PID_FILE = "broker.pid"
LOG_FILE = "broker.log"
LOG_ROTATE_BYTES = 50 * 1024 * 1024

# Kafka's own pom leaves slf4j unbound (the binary distribution adds the
# binding in its tarball), so without log4j-slf4j-impl the broker logs nothing.
# Kafka 4.x still uses slf4j-api 1.7, hence the 1.x binding, not log4j-slf4j2-impl.
POM_XML = f"""\
<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>spotify-mds</groupId>
  <artifactId>kafka-broker-jars</artifactId>
  <version>{KAFKA_VERSION}</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency>
      <groupId>org.apache.kafka</groupId>
      <artifactId>kafka_2.13</artifactId>
      <version>{KAFKA_VERSION}</version>
    </dependency>
    <dependency>
      <groupId>org.apache.logging.log4j</groupId>
      <artifactId>log4j-slf4j-impl</artifactId>
      <version>{LOG4J_VERSION}</version>
      <scope>runtime</scope>
    </dependency>
  </dependencies>
  <build>
    <plugins>
      <plugin>
        <!-- Maven 3.8's default dependency plugin is 2.8 (2013); pin a modern one. -->
        <groupId>org.apache.maven.plugins</groupId>
        <artifactId>maven-dependency-plugin</artifactId>
        <version>3.8.1</version>
      </plugin>
    </plugins>
  </build>
</project>
"""

# Passed with -Dlog4j2.configurationFile; without it log4j2 prints only errors.
LOG4J2_PROPERTIES = """\
status = warn
# log4j2's own JVM shutdown hook would stop logging before Kafka's hook has
# finished its controlled shutdown, hiding the end of the shutdown in the log.
shutdownHook = disable
appender.out.type = Console
appender.out.name = out
appender.out.layout.type = PatternLayout
appender.out.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = info
rootLogger.appenderRef.out.ref = out
# The full config dump and per-request state changes are noise for local use.
logger.config.name = org.apache.kafka.common.config.AbstractConfig
logger.config.level = warn
logger.state.name = state.change.logger
logger.state.level = warn
"""

# Popen objects of brokers started by this process, so stop() can reap them
# (a dead but unreaped child still answers os.kill(pid, 0)).
_children: dict[int, subprocess.Popen] = {}


@dataclass(frozen=True)
class BrokerInfo:
    pid: int
    port: int
    controller_port: int
    data_dir: Path
    log_file: Path

    @property
    def bootstrap(self) -> str:
        return f"{HOST}:{self.port}"


def default_cache_dir() -> Path:
    return Path(os.environ.get("SPOTIFY_MDS_CACHE") or Path.home() / ".cache" / "spotify-mds")


def default_data_dir() -> Path:
    return default_cache_dir() / "kafka-data"


# --------------------------------------------------------------------------- java / jars


def java_executable() -> str:
    """Path of a Java >= 17 ``java``, honouring $JAVA_HOME; raise KafkaUnavailable otherwise."""
    java_home = os.environ.get("JAVA_HOME")
    java = str(Path(java_home) / "bin" / "java") if java_home else shutil.which("java")
    if not java or not os.access(java, os.X_OK):
        raise KafkaUnavailable(
            f"java not found (JAVA_HOME={java_home or 'unset'}); the local Kafka broker needs "
            f"Java >= {MIN_JAVA}, e.g. `apt-get install openjdk-17-jre-headless`"
        )
    out = subprocess.run([java, "-version"], check=False, capture_output=True, text=True, timeout=60).stderr
    # 'openjdk version "17.0.15" 2025-04-15' or, before Java 9, 'java version "1.8.0_392"'
    m = re.search(r'version "(\d+)(?:\.(\d+))?', out)
    major = int(m.group(1)) if m else 0
    if major == 1 and m and m.group(2):
        major = int(m.group(2))
    if major < MIN_JAVA:
        raise KafkaUnavailable(
            f"{java} is Java {major or 'unknown'}; the local Kafka broker needs Java >= {MIN_JAVA}"
        )
    return java


def ensure_jars(cache_dir: Path | None = None) -> Path:
    """Return ``<cache>/kafka-<version>/libs``, downloading it with Maven on first use."""
    home = Path(cache_dir or default_cache_dir()) / f"kafka-{KAFKA_VERSION}"
    libs = home / "libs"
    stamp = hashlib.sha256(POM_XML.encode()).hexdigest()
    marker = libs / ".pom-sha256"  # written last: its presence means a complete download
    if marker.is_file() and marker.read_text().strip() == stamp:
        return libs

    mvn = shutil.which("mvn")
    if not mvn:
        raise KafkaUnavailable(
            f"mvn not found; Maven is needed once to fetch the Kafka {KAFKA_VERSION} jars "
            f"into {libs} (e.g. `apt-get install maven`)"
        )
    home.mkdir(parents=True, exist_ok=True)
    pom = home / "pom.xml"
    pom_tmp = home / f"pom.xml.tmp-{os.getpid()}"
    pom_tmp.write_text(POM_XML)
    os.replace(pom_tmp, pom)  # atomic: a concurrent mvn never reads a half-written pom
    # Download into a private dir then rename, so a concurrent or interrupted
    # run never leaves a half-filled libs/ behind.
    tmp = home / f"libs.tmp-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    cmd = [
        mvn,
        "-q",
        "-B",
        "dependency:copy-dependencies",
        "-DincludeScope=runtime",
        f"-DoutputDirectory={tmp}",
        "-f",
        str(pom),
    ]
    logger.info("fetching Kafka %s jars with Maven into %s", KAFKA_VERSION, libs)
    t0 = time.monotonic()
    proc = subprocess.run(cmd, check=False, capture_output=True, text=True)
    if proc.returncode != 0:
        shutil.rmtree(tmp, ignore_errors=True)
        tail = (proc.stdout + proc.stderr).strip().splitlines()[-15:]
        raise KafkaUnavailable(f"`{' '.join(cmd)}` failed (exit {proc.returncode}):\n" + "\n".join(tail))
    (tmp / ".pom-sha256").write_text(stamp + "\n")
    if libs.exists():  # stale (other pom) or written meanwhile by a concurrent run
        if marker.is_file() and marker.read_text().strip() == stamp:
            shutil.rmtree(tmp, ignore_errors=True)
            return libs
        shutil.rmtree(libs)
    os.rename(tmp, libs)
    logger.info("Kafka jars ready in %.1fs", time.monotonic() - t0)
    return libs


# --------------------------------------------------------------------------- process helpers


def _read_pid(data_dir: Path) -> int | None:
    try:
        return int((data_dir / PID_FILE).read_text().strip())
    except (OSError, ValueError):
        return None


def _is_alive(pid: int) -> bool:
    child = _children.get(pid)
    if child is not None:
        return child.poll() is None
    return pid_running(pid)


def pid_running(pid: int) -> bool:
    """Whether a process of this pid runs (a zombie, exited but unreaped, does not); one we cannot
    signal (another user's) counts as running. The local stack asks the same of its services."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    fields = proc_stat(pid)  # a zombie (exited, unreaped by its parent) is not a running broker
    return fields is None or fields[0] != "Z"


def proc_stat(pid: int) -> list[str] | None:
    """The fields of /proc/<pid>/stat after the command name (state, ppid, pgrp, …), or None where
    there is no such process or no /proc (Linux only)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return fields or None


def _is_our_broker(pid: int, data_dir: Path) -> bool:
    """Guard against pid reuse: the process must be the kafka.Kafka JVM of data_dir (Linux /proc)."""
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        return b"kafka.Kafka" in cmdline and str(data_dir / "server.properties").encode() in cmdline
    except FileNotFoundError:
        return not Path("/proc/self").exists()  # no /proc (macOS): trust the pid file
    except OSError:
        return True


def _port_open(port: int, timeout: float = 0.5) -> bool:
    try:
        with socket.create_connection((HOST, port), timeout=timeout):
            return True
    except OSError:
        return False


def _api_versions_ok(port: int, timeout: float = 2.0) -> bool:
    """Send a raw Kafka ApiVersions v0 request; True if the broker answers without error.

    The broker only processes requests once it has fully started, so this is a
    real readiness probe, unlike a bare TCP connect (stdlib, no client library).
    """
    client_id = b"spotify-mds-probe"
    corr = 7
    # request header v1: api_key=18 (ApiVersions), api_version=0, correlation_id, client_id
    body = struct.pack(">hhih", 18, 0, corr, len(client_id)) + client_id
    try:
        with socket.create_connection((HOST, port), timeout=timeout) as s:
            s.settimeout(timeout)
            s.sendall(struct.pack(">i", len(body)) + body)
            head = b""
            while len(head) < 10:  # int32 size, int32 correlation_id, int16 error_code
                chunk = s.recv(10 - len(head))
                if not chunk:
                    return False
                head += chunk
    except OSError:
        return False
    _size, got_corr, error = struct.unpack(">iih", head)
    return got_corr == corr and error == 0


def _metadata_ok(port: int) -> bool:
    """Ask for cluster metadata with confluent_kafka if it is installed; else trust ApiVersions."""
    try:
        from confluent_kafka import KafkaException
        from confluent_kafka.admin import AdminClient
    except ImportError:
        return True
    try:
        md = AdminClient({"bootstrap.servers": f"{HOST}:{port}"}).list_topics(timeout=5)
    except KafkaException as exc:  # the broker is still coming up
        logger.debug("metadata probe failed: %s", exc)
        return False
    return bool(md.brokers)


START_MARK = "==== spotify_mds.operations.kafka_local start"


def _log_tail(log_file: Path, lines: int = 30) -> str:
    """Last lines of the log written since the latest start() (the log is appended to)."""
    try:
        text = log_file.read_text(errors="replace")
    except OSError:
        return "(no log)"
    current = text.rsplit(START_MARK, 1)[-1].split("\n", 1)[-1]
    return "\n".join(current.strip().splitlines()[-lines:]) or "(log empty)"


def _configured_ports(data_dir: Path) -> tuple[int, int] | None:
    """(port, controller_port) from the server.properties of a previous start()."""
    try:
        text = (data_dir / "server.properties").read_text()
    except OSError:
        return None
    m = re.search(r"^listeners=PLAINTEXT://[^:]+:(\d+),CONTROLLER://[^:]+:(\d+)", text, re.MULTILINE)
    return (int(m.group(1)), int(m.group(2))) if m else None


def _random_cluster_id() -> str:
    # Kafka's Uuid string: url-safe base64 of 16 random bytes, no padding; Kafka
    # itself avoids ids starting with '-' because they look like CLI flags.
    while True:
        cid = base64.urlsafe_b64encode(uuid.uuid4().bytes).rstrip(b"=").decode()
        if not cid.startswith("-"):
            return cid


def _server_properties(data_dir: Path, port: int, controller_port: int) -> str:
    # Static quorum (controller.quorum.voters) rather than the dynamic
    # controller.quorum.bootstrap.servers + `format --standalone`: with a static
    # quorum the controller port is not baked into the formatted log, so a data
    # dir can be restarted with other ports.
    return f"""\
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@{HOST}:{controller_port}
listeners=PLAINTEXT://{HOST}:{port},CONTROLLER://{HOST}:{controller_port}
advertised.listeners=PLAINTEXT://{HOST}:{port}
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs={data_dir / "kraft-logs"}
num.partitions=3
default.replication.factor=1
offsets.topic.replication.factor=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=true
"""


# --------------------------------------------------------------------------- public API


def status(data_dir: Path | None = None) -> dict:
    """{'running', 'pid', 'bootstrap', 'data_dir', 'log_file'} for the broker of data_dir."""
    data_dir = Path(data_dir or default_data_dir()).resolve()
    pid = _read_pid(data_dir)
    running = pid is not None and _is_alive(pid) and _is_our_broker(pid, data_dir)
    ports = _configured_ports(data_dir)
    return {
        "running": running,
        "pid": pid if running else None,
        "bootstrap": f"{HOST}:{ports[0]}" if running and ports else None,
        "data_dir": str(data_dir),
        "log_file": str(data_dir / LOG_FILE),
    }


def start(
    data_dir: Path | None = None,
    port: int = DEFAULT_PORT,
    controller_port: int = DEFAULT_CONTROLLER_PORT,
    cache_dir: Path | None = None,
    timeout: float = START_TIMEOUT,
) -> BrokerInfo:
    """Start (or find already running) the broker of data_dir; return once it serves metadata."""
    data_dir = Path(data_dir or default_data_dir()).resolve()
    log_file = data_dir / LOG_FILE

    st = status(data_dir)
    if st["running"]:
        running_ports = _configured_ports(data_dir) or (port, controller_port)
        if running_ports[0] != port:
            raise KafkaUnavailable(
                f"a broker for {data_dir} already runs on port {running_ports[0]} "
                f"(pid {st['pid']}), not {port}; stop it first"
            )
        if _port_open(port):
            logger.info("Kafka already running (pid %s) on %s", st["pid"], st["bootstrap"])
            return BrokerInfo(st["pid"], port, running_ports[1], data_dir, log_file)
        # Alive but not listening: probably still starting (another caller); wait for it.
        _wait_ready(st["pid"], port, log_file, timeout)
        return BrokerInfo(st["pid"], port, running_ports[1], data_dir, log_file)
    (data_dir / PID_FILE).unlink(missing_ok=True)  # stale

    for p in (port, controller_port):
        if _port_open(p):
            raise KafkaUnavailable(f"port {HOST}:{p} is already in use by another process")

    java = java_executable()
    libs = ensure_jars(cache_dir)
    classpath = str(libs / "*")  # the JVM expands 'dir/*' itself

    data_dir.mkdir(parents=True, exist_ok=True)
    props = data_dir / "server.properties"
    props.write_text(_server_properties(data_dir, port, controller_port))
    log4j = data_dir / "log4j2.properties"
    log4j.write_text(LOG4J2_PROPERTIES)
    log_opt = f"-Dlog4j2.configurationFile={log4j}"

    if not (data_dir / "kraft-logs" / "meta.properties").exists():
        # No --standalone/--initial-controllers: not needed with a static quorum.
        cmd = [
            java,
            log_opt,
            "-cp",
            classpath,
            "kafka.tools.StorageTool",
            "format",
            "-t",
            _random_cluster_id(),
            "-c",
            str(props),
        ]
        proc = subprocess.run(cmd, check=False, capture_output=True, text=True)
        if proc.returncode != 0:
            raise KafkaUnavailable(
                f"kafka storage format failed (exit {proc.returncode}): "
                + (proc.stdout + proc.stderr).strip()[-2000:]
            )
        logger.info("formatted KRaft storage in %s", data_dir / "kraft-logs")

    if log_file.exists() and log_file.stat().st_size > LOG_ROTATE_BYTES:
        os.replace(log_file, log_file.with_name(LOG_FILE + ".1"))
    # KAFKA_HEAP_OPTS overrides the heap like Kafka's own scripts (default there is 1G).
    heap = os.environ.get("KAFKA_HEAP_OPTS", "-Xms256m -Xmx512m").split()
    cmd = [
        java,
        *heap,
        "-XX:+UseG1GC",
        "-XX:MaxGCPauseMillis=20",
        "-Djava.awt.headless=true",
        log_opt,
        "-cp",
        classpath,
        "kafka.Kafka",
        str(props),
    ]
    with open(log_file, "ab") as log:
        log.write(f"\n{START_MARK} {time.ctime()} ====\n".encode())
        log.flush()
        # New session: the broker outlives the caller and ignores its Ctrl-C.
        proc = subprocess.Popen(
            cmd,
            cwd=data_dir,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    _children[proc.pid] = proc
    (data_dir / PID_FILE).write_text(f"{proc.pid}\n")
    logger.info("started Kafka %s (pid %s) on %s:%s", KAFKA_VERSION, proc.pid, HOST, port)

    try:
        _wait_ready(proc.pid, port, log_file, timeout)
    except KafkaUnavailable:
        stop(data_dir, timeout=10)
        raise
    return BrokerInfo(proc.pid, port, controller_port, data_dir, log_file)


def _wait_ready(pid: int, port: int, log_file: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not _is_alive(pid):
            raise KafkaUnavailable(
                f"Kafka broker (pid {pid}) exited during startup; tail of {log_file}:\n" + _log_tail(log_file)
            )
        if _port_open(port) and _api_versions_ok(port) and _metadata_ok(port):
            return
        time.sleep(0.25)
    raise KafkaUnavailable(
        f"Kafka broker (pid {pid}) not ready on {HOST}:{port} after {timeout:.0f}s; "
        f"tail of {log_file}:\n" + _log_tail(log_file)
    )


def stop(data_dir: Path | None = None, timeout: float = 30) -> bool:
    """Stop the broker of data_dir (SIGTERM, then SIGKILL after timeout). True if one was running."""
    data_dir = Path(data_dir or default_data_dir()).resolve()
    pid_file = data_dir / PID_FILE
    pid = _read_pid(data_dir)
    if pid is None or not _is_alive(pid):
        pid_file.unlink(missing_ok=True)
        _children.pop(pid, None)
        return False
    if not _is_our_broker(pid, data_dir):
        logger.warning("pid %s from %s is not a Kafka broker; not killing it", pid, pid_file)
        pid_file.unlink(missing_ok=True)
        return False

    # SIGTERM = controlled shutdown (flushes logs, writes clean-shutdown markers).
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while _is_alive(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    if _is_alive(pid):
        logger.warning("Kafka (pid %s) ignored SIGTERM for %ss; sending SIGKILL", pid, timeout)
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        while _is_alive(pid):
            time.sleep(0.1)
    child = _children.pop(pid, None)
    if child is not None:
        child.wait()
    pid_file.unlink(missing_ok=True)
    logger.info("stopped Kafka (pid %s)", pid)
    return True


# --------------------------------------------------------------------------- CLI


def main(argv: list[str] | None = None) -> int:
    """CLI: prints one line. Exit 0 on success; `status` exits 3 when not running."""
    parser = argparse.ArgumentParser(
        prog="python -m spotify_mds.operations.kafka_local", description="Local single-node Kafka broker (KRaft)."
    )
    parser.add_argument("command", choices=["start", "stop", "status"])
    parser.add_argument(
        "--data-dir", type=Path, default=None, help=f"broker data dir (default: {default_data_dir()})"
    )
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    parser.add_argument(
        "--controller-port", type=int, default=None, help="KRaft controller port (default: port + 1)"
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")

    try:
        if args.command == "start":
            t0 = time.monotonic()
            controller_port = args.controller_port or args.port + 1
            info = start(args.data_dir, port=args.port, controller_port=controller_port)
            print(
                f"kafka running pid={info.pid} bootstrap={info.bootstrap} "
                f"data_dir={info.data_dir} ({time.monotonic() - t0:.1f}s)"
            )
        elif args.command == "stop":
            was_running = stop(args.data_dir)
            print("kafka stopped" if was_running else "kafka not running")
        else:
            st = status(args.data_dir)
            if not st["running"]:
                print(f"kafka not running data_dir={st['data_dir']}")
                return 3
            print(f"kafka running pid={st['pid']} bootstrap={st['bootstrap']} data_dir={st['data_dir']}")
    except KafkaUnavailable as exc:
        # One line: the message's first line plus, if any, the last line of its detail
        # (e.g. the log tail), which usually names the cause.
        lines = [line.strip() for line in str(exc).splitlines() if line.strip()] or [""]
        detail = f" ... {lines[-1]}" if len(lines) > 1 else ""
        print(f"KafkaUnavailable: {lines[0]}{detail}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
