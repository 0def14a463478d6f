"""The Nexomatic Python runner: a long-lived worker process of the sink's Python executor.

It reads one command per line (JSON) from stdin, imports the task's module by its dotted path
(once per worker; the module roots come first on ``sys.path``), calls ``run(ctx, payload, params)``
and sends newline-delimited JSON messages back on fd 3. The module's own stdout and stderr stay the
raw log of the task; records of Python's ``logging`` (root logger at INFO unless the module sets
it) become structured records of the task, like ``ctx.log``. Python 3.9 or newer; standard library
only.

Messages (the same shapes as the node runner's IPC):
  sink -> runner (stdin):  {"type": "run", "id", "module", "file", "task", "payload", "params"}
                           {"type": "secret-reply", "requestId", "value" | "error"}
  runner -> sink (fd 3):   {"type": "ready", "version"}
                           {"type": "log", "id", "level", "message", "fields"?, "time"}
                           {"type": "secret", "id", "requestId", "key"}
                           {"type": "done", "id", "result", "error", "warnings"}
"""

from __future__ import annotations

import datetime
import importlib
import json
import logging
import math
import os
import sys
import threading
import traceback
from typing import Any, Dict, List, Optional

END_MARK = "\u001e@nexomatic:end:"
MAX_MESSAGE = 10_000
MAX_CODE = 100
LEVELS = ("debug", "info", "warning", "error")


class Channel:
    """Commands in on a private copy of stdin, messages out on fd 3."""

    def __init__(self) -> None:
        self._in = os.fdopen(os.dup(0), "r", encoding="utf-8", newline="\n")
        self._out = os.fdopen(3, "wb", buffering=0)
        os.set_inheritable(3, False)
        # The module gets an empty stdin: it must not read the sink's commands.
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        os.close(null)
        sys.stdin = open(os.devnull, "r")
        self._lock = threading.Lock()

    def send(self, message: Dict[str, Any]) -> None:
        line = (json.dumps(message, ensure_ascii=False, default=str) + "\n").encode("utf-8")
        with self._lock:
            self._out.write(line)

    def receive(self) -> Optional[Dict[str, Any]]:
        """The next command, or None when the sink closed stdin."""
        while True:
            line = self._in.readline()
            if not line:
                return None
            line = line.strip()
            if line:
                return json.loads(line)


def now() -> str:
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def to_fields(fields: Dict[str, Any]) -> Optional[Dict[str, Any]]:
    if not fields:
        return None
    try:
        return json.loads(json.dumps(fields, default=str, allow_nan=False))
    except (TypeError, ValueError):
        return {"unserialisable": repr(fields)[:MAX_MESSAGE]}


def json_problem(value: Any, path: str = "result") -> Optional[str]:
    """Why a return value is not JSON, with its path (``result.items[2]: a datetime``), or None."""
    if value is None or isinstance(value, (str, bool, int)):
        return None
    if isinstance(value, float):
        return None if math.isfinite(value) else "{}: {} is not a JSON number".format(path, value)
    if isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            problem = json_problem(item, "{}[{}]".format(path, index))
            if problem:
                return problem
        return None
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                return "{}: key {!r} is a {}, not a string".format(path, key, type(key).__name__)
            problem = json_problem(item, "{}.{}".format(path, key))
            if problem:
                return problem
        return None
    return "{}: a {} (convert it to a JSON type, e.g. str, dict or list)".format(path, type(value).__name__)


class SecretError(Exception):
    """``ctx.secret`` was refused; ``code`` is the hub's reason (e.g. ``FORBIDDEN``)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


class Logger:
    """``ctx.log``: structured records of the task; any keyword (even ``message``) is a field."""

    def __init__(self, channel: Channel, run_id: str) -> None:
        self._channel = channel
        self._id = run_id

    def _write(self, level: str, message: Any, fields: Dict[str, Any]) -> None:
        record: Dict[str, Any] = {"type": "log", "id": self._id, "level": level, "message": str(message), "time": now()}
        json_fields = to_fields(fields)
        if json_fields:
            record["fields"] = json_fields
        self._channel.send(record)

    def debug(self, message: Any, /, **fields: Any) -> None:
        self._write("debug", message, fields)

    def info(self, message: Any, /, **fields: Any) -> None:
        self._write("info", message, fields)

    def warning(self, message: Any, /, **fields: Any) -> None:
        self._write("warning", message, fields)

    def error(self, message: Any, /, **fields: Any) -> None:
        self._write("error", message, fields)

    warn = warning


class TaskLogHandler(logging.Handler):
    """Sends records of Python's ``logging`` to the running task's log, as ``ctx.log`` would."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.current: Optional[Logger] = None

    def emit(self, record: logging.LogRecord) -> None:
        target = self.current
        if target is None:
            return
        try:
            if record.levelno < logging.INFO:
                level = "debug"
            elif record.levelno < logging.WARNING:
                level = "info"
            elif record.levelno < logging.ERROR:
                level = "warning"
            else:
                level = "error"
            fields: Dict[str, Any] = {"logger": record.name}
            if record.exc_info:
                fields["exception"] = logging.Formatter().formatException(record.exc_info)[-MAX_MESSAGE:]
            target._write(level, record.getMessage(), fields)
        except Exception:  # noqa: BLE001 - a logging failure must not fail the task
            self.handleError(record)


TASK_LOGS = TaskLogHandler()


class TaskInfo:
    """``ctx.task``: the task being run."""

    def __init__(self, task: Dict[str, Any]) -> None:
        self.event_id: str = task["eventId"]
        self.attempt: int = task["attempt"]
        self.tenant_id: str = task["tenantId"]
        self.event_type: str = task["eventType"]
        self.module: str = task["module"]
        self.root_event_id: str = task["rootEventId"]
        self.chain_depth: int = task["chainDepth"]
        self.traceparent: Optional[str] = task.get("traceparent")
        self.tracestate: Optional[str] = task.get("tracestate")

    def __repr__(self) -> str:
        return "TaskInfo({!r})".format(self.__dict__)


class Context:
    """The first argument of ``run(ctx, payload, params)``."""

    def __init__(self, channel: Channel, run_id: str, task: Dict[str, Any]) -> None:
        self.task = TaskInfo(task)
        self.log = Logger(channel, run_id)
        #: The W3C traceparent of the task's run span (None when not traced): pass it to
        #: opentelemetry's ``propagate.extract({"traceparent": ctx.traceparent})`` to join the trace.
        self.traceparent: Optional[str] = self.task.traceparent
        #: The W3C tracestate that goes with it, or None.
        self.tracestate: Optional[str] = self.task.tracestate
        self.warnings: List[str] = []
        self._channel = channel
        self._id = run_id
        self._requests = 0
        self._lock = threading.Lock()

    def warn(self, message: Any) -> None:
        """Adds a warning: the task then ends WARNING instead of SUCCESS."""
        self.warnings.append(str(message))

    def secret(self, key: str) -> str:
        """Resolves a secret through the hub (only keys the task's SECRET parameters name)."""
        with self._lock:
            self._requests += 1
            request_id = self._requests
            self._channel.send({"type": "secret", "id": self._id, "requestId": request_id, "key": str(key)})
            while True:
                reply = self._channel.receive()
                if reply is None:
                    raise SecretError("CLOSED", "secret {}: the sink closed".format(key))
                if reply.get("type") == "secret-reply" and reply.get("requestId") == request_id:
                    break
        if isinstance(reply.get("value"), str):
            return reply["value"]
        error = reply.get("error") or {}
        raise SecretError(str(error.get("code", "FORBIDDEN")), str(error.get("message", "secret {} refused".format(key))))


def module_frames(error: BaseException) -> Any:
    """The exception's traceback without the runner's own frame (run_module) on top."""
    frames = error.__traceback__
    if frames is not None and frames.tb_frame.f_code is run_module.__code__ and frames.tb_next is not None:
        return frames.tb_next
    return frames


def error_data(error: BaseException) -> Dict[str, Any]:
    """The task error of an exception: its string ``code`` (else MODULE_ERROR), message, traceback."""
    code = getattr(error, "code", None)
    if isinstance(error, SystemExit):
        message = "the module called sys.exit({})".format(error.code)
        code = None
    else:
        message = str(error) or type(error).__name__
    data: Dict[str, Any] = {
        "code": code[:MAX_CODE] if isinstance(code, str) and code else "MODULE_ERROR",
        "message": message[:MAX_MESSAGE],
        "details": {
            "exception": type(error).__name__,
            "traceback": "".join(traceback.format_exception(type(error), error, module_frames(error)))[-MAX_MESSAGE:],
        },
    }
    if getattr(error, "retryable", None) is False:
        data["retryable"] = False
    return data


def run_task(channel: Channel, command: Dict[str, Any]) -> Dict[str, Any]:
    run_id = command["id"]
    ctx = Context(channel, run_id, command["task"])
    done: Dict[str, Any] = {"type": "done", "id": run_id, "result": None, "error": None, "warnings": ctx.warnings}
    name = command["module"]
    TASK_LOGS.current = ctx.log
    try:
        return run_module(ctx, command, done, name)
    finally:
        TASK_LOGS.current = None


def run_module(ctx: Context, command: Dict[str, Any], done: Dict[str, Any], name: str) -> Dict[str, Any]:
    try:
        module = importlib.import_module(name)
        run = getattr(module, "run", None)
        if not callable(run):
            where = getattr(module, "__file__", None) or command.get("file")
            done["error"] = {"code": "MODULE_ERROR", "message": "module {} ({}) has no run(ctx, payload, params) function".format(name, where)}
            return done
        value = run(ctx, command["payload"], command["params"])
    except BaseException as error:  # noqa: B902 - a module's SystemExit ends its task, not the worker
        if isinstance(error, KeyboardInterrupt):
            raise
        done["error"] = error_data(error)
        return done
    problem = json_problem(value)
    if problem:
        done["error"] = {"code": "RESULT_NOT_JSON", "message": "module {} returned a value that is not JSON: {}".format(name, problem)}
        return done
    done["result"] = value
    return done


def write_marks(run_id: str) -> None:
    """Ends the task's raw output on both streams, so no late line is attributed to the next task."""
    for stream in (sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__):
        try:
            if stream is not None:
                stream.flush()
        except (OSError, ValueError):
            pass
    mark = "{}{}\n".format(END_MARK, run_id).encode("utf-8")
    os.write(1, mark)
    os.write(2, mark)


def main() -> None:
    roots = [root for root in os.environ.get("NEXOMATIC_MODULE_ROOTS", "").split(os.pathsep) if root]
    sys.path[:0] = roots
    channel = Channel()
    root = logging.getLogger()
    root.addHandler(TASK_LOGS)
    if root.level == logging.WARNING:
        root.setLevel(logging.INFO)
    channel.send({"type": "ready", "version": "{}.{}.{}".format(*sys.version_info[:3])})
    while True:
        command = channel.receive()
        if command is None:
            return
        if command.get("type") != "run":
            continue
        done = run_task(channel, command)
        write_marks(command["id"])
        channel.send(done)


if __name__ == "__main__":
    main()
