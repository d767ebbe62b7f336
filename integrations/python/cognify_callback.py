"""Record a Hugging Face ``Trainer`` run in a Cognify repository as it happens.

``CognifyCallback`` is a ``transformers.TrainerCallback`` that drives the Cognify CLI
(``cognify run start | event | finish``), so every step of the record is a signed run version:

* ``on_train_begin``: ``run start`` -- base model, datasets, hyperparameters (``args.to_dict()``),
  code provenance (git), Python version, ``pip freeze``, GPU model and count;
* ``on_log`` / ``on_evaluate``: one ``metrics`` event each, buffered: sent (``run event`` with
  the events as JSON Lines, one signed version for all of them) when ``batch_size`` events are
  waiting, when ``flush_seconds`` have passed since the last send, at the next ``on_save``, at the
  end of training, on ``flush()``, and -- best effort -- when the interpreter exits;
* ``on_save``: the buffered metrics and one ``checkpoint`` event (which hashes every file of
  ``checkpoint-<step>``) in one call, so the checkpoint's version holds the metrics logged before it;
* ``on_train_end``: the buffered metrics, then ``run finish`` with the FLOPs the Trainer counted
  (``state.total_flos``) and GPU-hours, and the final model -- or, with
  ``finish_on_train_end=False``, only the metrics: call ``finalize(output_dir)`` after
  ``trainer.save_model(output_dir)``.

Only the main process (``state.is_world_process_zero``) writes. A CLI failure raises
``CognifyError`` (an audit record must not silently miss events) unless ``strict=False``, which
turns failures into ``CognifyWarning`` warnings. Standard library only (Python 3.9+); works with
or without ``transformers`` installed (without it the class is a plain, duck-typed callback).
See README.md beside this file.
"""

from __future__ import annotations

import atexit
import json
import math
import os
import platform
import shlex
import subprocess
import sys
import tempfile
import time
import warnings
from typing import Any, Dict, List, Mapping, Optional, Sequence, Union

__all__ = ["CognifyCallback", "CognifyError", "CognifyWarning", "DEFAULT_COMMAND", "MAX_EVENTS"]

#: How the CLI is started when neither ``cognify=`` nor ``COGNIFY_CLI`` says otherwise.
DEFAULT_COMMAND = ("npx", "--no-install", "cognify")

#: The most events ``cognify run event`` takes in one call (``MAX_EVENTS`` in src/api/runs.ts).
MAX_EVENTS = 10_000

try:  # The Trainer's checkpoint directory prefix (transformers.trainer_utils.PREFIX_CHECKPOINT_DIR).
    from transformers.trainer_utils import PREFIX_CHECKPOINT_DIR  # type: ignore
except Exception:  # transformers missing or broken: its value since the first release
    PREFIX_CHECKPOINT_DIR = "checkpoint"

try:
    from transformers import TrainerCallback as _CallbackBase  # type: ignore
except Exception:

    class _CallbackBase:  # type: ignore[no-redef]
        """Stand-in for ``transformers.TrainerCallback``: any other ``on_*`` hook is a no-op."""

        def __getattr__(self, name: str) -> Any:
            if name.startswith("on_"):
                return lambda *args, **kwargs: None
            raise AttributeError(name)


class CognifyError(RuntimeError):
    """A ``cognify`` command failed; ``str(e)`` carries the CLI's own error line.

    Attributes: ``command`` (the argv run), ``returncode``, ``stderr`` (all of it), ``code`` (the
    CLI's error code such as ``NOT_FOUND``, or None).
    """

    def __init__(self, message: str, command: Optional[Sequence[str]] = None, returncode: Optional[int] = None, stderr: str = "", code: Optional[str] = None):
        super().__init__(message)
        self.command = list(command or [])
        self.returncode = returncode
        self.stderr = stderr
        self.code = code


class CognifyWarning(UserWarning):
    """A failure reported instead of raised, because the callback was made with ``strict=False``."""


_SECRET_WORDS = ("password", "secret", "api_key", "apikey", "credential")


def _is_secret(key: str) -> bool:
    k = key.lower()
    return k == "token" or k.endswith("_token") or any(w in k for w in _SECRET_WORDS)


def _json_ok(value: Any) -> bool:
    try:
        json.dumps(value, allow_nan=False)
        return True
    except (TypeError, ValueError, OverflowError, RecursionError):
        return False


def _number(value: Any) -> Optional[Union[int, float]]:
    """A finite int or float (not a bool), else None."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        # numpy / torch scalars: take their Python value when they have one.
        item = getattr(value, "item", None)
        if item is None or isinstance(value, (str, bytes)):
            return None
        try:
            value = item()
        except Exception:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return None
    if isinstance(value, float):  # also numpy.float64, a float subclass whose repr is not a number
        value = float(value)
        return value if math.isfinite(value) else None
    return int(value)


def _non_finite(value: Any) -> Optional[str]:
    """"NaN", "Infinity" or "-Infinity" for a non-finite float (or numpy / torch scalar), else None."""
    try:
        x = float(value.item() if hasattr(value, "item") else value)
    except Exception:
        return None
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "Infinity" if x > 0 else "-Infinity"
    return None


def _in_git_tree(path: str) -> bool:
    d = os.path.abspath(path)
    while True:
        if os.path.exists(os.path.join(d, ".git")):
            return True
        parent = os.path.dirname(d)
        if parent == d:
            return False
        d = parent


def _run_name_from(value: str) -> str:
    """A run name from ``args.run_name`` or ``args.output_dir``, which may be a path."""
    base = os.path.basename(os.path.normpath(value)) if ("/" in value or os.sep in value) else value
    name = "".join(c if (c.isascii() and (c.isalnum() or c in "._-")) else "-" for c in base).lstrip("._-")
    return name[:128] or "run"


class CognifyCallback(_CallbackBase):
    """A ``TrainerCallback`` that records the run in a Cognify repository through its CLI.

    Args:
        repo: the Cognify repository directory (``cognify -C <repo>``).
        run: the run name; default ``args.run_name``, else the last part of ``args.output_dir``.
        base_model: ``"<name>[@<revision>]"``, e.g. ``"HuggingFaceTB/SmolLM2-135M@main"``.
        datasets: ``{role: dataset ref}``, e.g. ``{"train": "credit-decisions@2"}``; every ref
            must name a version committed with ``cognify dataset commit``.
        code_dir: a directory inside the training code's git working tree, recorded as the
            code's commit and dirty files; None records no code. Outside a git tree: a warning,
            and no code is recorded.
        cognify: the command that runs the CLI, a list or a shell-style string; default
            ``$COGNIFY_CLI`` (split with ``shlex``), else ``npx --no-install cognify``.
        signer: the key to sign with (``--as``: email or fingerprint); default ``$COGNIFY_KEY``
            or the only key in ``$COGNIFY_HOME``.
        record_environment: also record ``pip freeze`` of this interpreter.
        env: extra environment variables for the CLI, over ``os.environ`` (``COGNIFY_HOME``,
            ``COGNIFY_PASSPHRASE``, ``COGNIFY_KEY`` ...).
        strict: True (default): a failed CLI call raises ``CognifyError``, which stops training.
            False: it warns (``CognifyWarning``) and training goes on.
        finish_on_train_end: True (default): ``on_train_end`` finishes the run, with the final
            model's files (the best checkpoint when ``load_best_model_at_end`` loaded it, else the
            checkpoint saved at the last step, if any) as its output. False: ``on_train_end``
            leaves the run open; call ``finalize(output_dir)`` after ``trainer.save_model()``.
        batch_size: metrics events sent per ``run event`` call (one signed version), 1 to
            ``MAX_EVENTS``; default 100. 1: every ``on_log`` / ``on_evaluate`` is its own call.
        flush_seconds: also send the buffered metrics when an event is added this many seconds
            (or more) after the last send; default 60. 0: send every event at once (like
            ``batch_size=1``); None: no time limit. Checked only when an event is added.
    """

    def __init__(
        self,
        repo: str,
        run: Optional[str] = None,
        base_model: Optional[str] = None,
        datasets: Optional[Mapping[str, str]] = None,
        code_dir: Optional[str] = ".",
        cognify: Optional[Union[str, Sequence[str]]] = None,
        signer: Optional[str] = None,
        record_environment: bool = True,
        env: Optional[Mapping[str, str]] = None,
        strict: bool = True,
        finish_on_train_end: bool = True,
        batch_size: int = 100,
        flush_seconds: Optional[float] = 60.0,
    ):
        super().__init__()
        if isinstance(batch_size, bool) or not isinstance(batch_size, int) or not 1 <= batch_size <= MAX_EVENTS:
            raise ValueError(f"batch_size must be an integer from 1 to {MAX_EVENTS}, got {batch_size!r}")
        if flush_seconds is not None and (isinstance(flush_seconds, bool) or not isinstance(flush_seconds, (int, float)) or not flush_seconds >= 0):
            raise ValueError(f"flush_seconds must be a number of seconds >= 0, or None, got {flush_seconds!r}")
        self.batch_size = batch_size
        self.flush_seconds = flush_seconds
        self.repo = os.path.abspath(os.fspath(repo))
        self.run = run
        self.base_model = base_model
        self.datasets = dict(datasets or {})
        self.code_dir = code_dir
        self.signer = signer
        self.record_environment = record_environment
        self.env = dict(env or {})
        self.strict = strict
        self.finish_on_train_end = finish_on_train_end
        if cognify is None:
            cognify = self.env.get("COGNIFY_CLI") or os.environ.get("COGNIFY_CLI") or list(DEFAULT_COMMAND)
        self.command: List[str] = shlex.split(cognify) if isinstance(cognify, str) else [os.fspath(c) for c in cognify]
        if not self.command:
            raise ValueError("cognify: the command that runs the Cognify CLI is empty")

        #: The run name in use once ``on_train_begin`` has started it (None before, and on other ranks).
        self.run_name: Optional[str] = None
        #: The ``run start`` result (``{"run": "sha256:...", "name", "number", "status", ...}``).
        self.started: Optional[Dict[str, Any]] = None
        #: The ``run finish`` result, once finished.
        self.finished: Optional[Dict[str, Any]] = None
        self._is_main: Optional[bool] = None
        self._start_failed = False
        self._checkpoints: set = set()
        self._last_eval: Optional[tuple] = None
        self._last_save: Optional[tuple] = None  # (step, absolute dir) of the latest on_save
        self._t0: Optional[float] = None
        self._elapsed: Optional[float] = None
        self._flops: Optional[float] = None
        self._gpu: Optional[str] = None
        self._gpus: Optional[int] = None
        self._warned_closed = False
        self._buffer: List[Dict[str, Any]] = []  # metrics events not sent yet
        self._last_flush = time.monotonic()
        self._exit_pid: Optional[int] = None  # the process whose atexit hook flushes the buffer

    # ---- the CLI ------------------------------------------------------------------------

    def _cli(self, argv: Sequence[str], stdin: Optional[str] = None) -> Dict[str, Any]:
        """Run ``cognify -C <repo> [--as who] <argv> --json``; its JSON output, or CognifyError."""
        cmd = [*self.command, "-C", self.repo, *([f"--as={self.signer}"] if self.signer else []), *argv, "--json"]
        what = " ".join(a for a in argv[:2])
        env = {**os.environ, **self.env}
        try:
            p = subprocess.run(
                cmd,
                input=stdin if stdin is not None else "",
                capture_output=True,
                text=True,
                encoding="utf-8",
                errors="replace",
                env=env,
            )
        except OSError as e:
            raise CognifyError(
                f"cognify {what}: cannot start the Cognify CLI {self.command!r} ({e}); install it (npm install cognify) "
                "or point COGNIFY_CLI / cognify= at it, e.g. 'node /path/to/cognify/bin/cognify.cjs'",
                command=cmd,
            ) from e
        if p.returncode != 0:
            lines = [ln.strip() for ln in p.stderr.splitlines() if ln.strip()]
            line = next((ln for ln in reversed(lines) if ln.startswith("cognify:")), lines[-1] if lines else "")
            code = None
            if line.endswith("]") and " [" in line:
                code = line[line.rindex(" [") + 2 : -1] or None
            if not line:
                try:
                    err = json.loads(p.stdout).get("error", {})
                    line, code = err.get("message", ""), err.get("code")
                except Exception:
                    line = p.stdout.strip().splitlines()[-1] if p.stdout.strip() else ""
            raise CognifyError(
                f"cognify {what} failed (exit {p.returncode}): {line or 'no error message'}",
                command=cmd,
                returncode=p.returncode,
                stderr=p.stderr,
                code=code,
            )
        try:
            return json.loads(p.stdout)
        except ValueError as e:
            raise CognifyError(f"cognify {what}: expected one JSON document on stdout, got {p.stdout[:200]!r}", command=cmd, returncode=0, stderr=p.stderr) from e

    def _fail(self, err: CognifyError) -> None:
        if self.strict:
            raise err
        warnings.warn(f"{err} (strict=False: the run record may be incomplete)", CognifyWarning, stacklevel=3)

    def _call(self, argv: Sequence[str], stdin: Optional[str] = None) -> Optional[Dict[str, Any]]:
        try:
            return self._cli(argv, stdin)
        except CognifyError as e:
            self._fail(e)
            return None

    # ---- who writes -----------------------------------------------------------------------

    @staticmethod
    def _main_process(state: Any) -> bool:
        flag = getattr(state, "is_world_process_zero", None)
        if isinstance(flag, bool):
            return flag
        for var in ("RANK", "LOCAL_RANK"):
            v = os.environ.get(var)
            if v not in (None, ""):
                try:
                    return int(v) == 0
                except ValueError:
                    return False
        return True

    def _open(self, state: Any) -> bool:
        """True when this process should add to the run now."""
        if not self._main_process(state) or self.run_name is None:
            return False
        if self.finished is not None:
            if not self._warned_closed:
                self._warned_closed = True
                warnings.warn(
                    f"cognify: run {self.run_name} is finished; metrics and checkpoints after that are not recorded "
                    "(to record evaluations after trainer.train(), use CognifyCallback(finish_on_train_end=False) and finalize())",
                    CognifyWarning,
                    stacklevel=3,
                )
            return False
        return True

    # ---- what is recorded -------------------------------------------------------------------

    def _hyperparameters(self, args: Any) -> Dict[str, Any]:
        raw: Any = None
        to_dict = getattr(args, "to_dict", None)
        if callable(to_dict):
            try:
                raw = to_dict()
            except Exception:
                raw = None
        if not isinstance(raw, dict):
            try:
                raw = dict(vars(args))
            except TypeError:
                raw = {}
        out: Dict[str, Any] = {}
        for k, v in raw.items():
            if not isinstance(k, str) or k.startswith("_"):
                continue
            if _is_secret(k) and not (v is None or (isinstance(v, str) and v == "")):
                out[k] = f"<{k.upper()}>"  # as TrainingArguments.to_dict() writes *_token
            elif _json_ok(v):
                out[k] = v
        return out

    @staticmethod
    def _values(d: Optional[Mapping[str, Any]]) -> Dict[str, Union[int, float]]:
        """The numeric values of a logs / metrics dict, without "epoch" (sent as the event's epoch).

        Text values are left out. A NaN or infinite value (a diverged loss) is evidence: JSON has
        no such numbers, so it is sent as the string "NaN", "Infinity" or "-Infinity", which the
        CLI records as that value. Anything else that is not a number is left out with a
        CognifyWarning naming it.
        """
        out: Dict[str, Union[int, float, str]] = {}
        lost = []
        for k, v in (d or {}).items():
            if k == "epoch" or not isinstance(k, str):
                continue
            n = _number(v)
            if n is not None:
                out[k] = n
            elif isinstance(v, float) or (hasattr(v, "item") and not isinstance(v, (str, bytes))):
                text = _non_finite(v)
                if text is not None:
                    out[k] = text
                else:
                    lost.append(f"{k}={v}")
        if lost:
            warnings.warn(f"cognify: not recorded, not a finite number: {', '.join(lost)}", CognifyWarning, stacklevel=3)
        return out

    def _detect_gpu(self, args: Any) -> None:
        torch = sys.modules.get("torch")  # never imported here: only if training already did
        if torch is None:
            return
        try:
            if not torch.cuda.is_available():
                return
            count = int(torch.cuda.device_count())
            if count < 1:
                return
            self._gpu = str(torch.cuda.get_device_name(0))
            world = getattr(args, "world_size", None)
            self._gpus = world if isinstance(world, int) and not isinstance(world, bool) and world > count else count
        except Exception:
            self._gpu, self._gpus = None, None

    def _pip_freeze(self) -> Optional[str]:
        try:
            p = subprocess.run([sys.executable, "-m", "pip", "freeze"], capture_output=True, text=True, encoding="utf-8", errors="replace", timeout=300, stdin=subprocess.DEVNULL)
        except Exception:
            return None
        return p.stdout if p.returncode == 0 else None

    def _metrics(self, state: Any, values: Dict[str, Union[int, float]], split: str) -> None:
        if not values:
            return
        step = getattr(state, "global_step", 0) or 0
        event: Dict[str, Any] = {"type": "metrics", "step": int(step), "split": split, "values": values}
        epoch = _number(getattr(state, "epoch", None))
        if epoch is not None:
            event["epoch"] = epoch
        self._buffer.append(event)
        self._arm_exit_flush()
        if len(self._buffer) >= self.batch_size or (self.flush_seconds is not None and time.monotonic() - self._last_flush >= self.flush_seconds):
            self._send()

    # ---- the buffer ---------------------------------------------------------------------------

    def _send(self, *tail: Dict[str, Any]) -> Optional[Dict[str, Any]]:
        """One ``run event`` call: the buffered metrics, then ``tail`` (a checkpoint event), as JSON Lines.

        The buffer is emptied before the call: the events of a failed call are reported (raised,
        or warned with strict=False) and not sent again, so a call the CLI half-completed cannot
        record them twice. Returns the CLI's result; None when there was nothing to send or it failed.
        """
        events, self._buffer = [*self._buffer, *tail], []
        if not events:
            return None
        try:
            return self._cli(["run", "event", self.run_name], "".join(json.dumps(e, allow_nan=False) + "\n" for e in events))
        except CognifyError as e:
            lost = len(events) - len(tail)
            if lost:
                e.args = (f"{e} ({lost} buffered metrics event{'' if lost == 1 else 's'} not recorded)",)
            self._fail(e)
            return None
        finally:
            self._last_flush = time.monotonic()

    def flush(self) -> Optional[Dict[str, Any]]:
        """Send the buffered metrics now, in one ``run event`` call (one signed run version).

        Returns the CLI's result (``{"run", "name", "number", "status", ...}``), or None when
        nothing was buffered (always on other ranks). A failure raises ``CognifyError`` (warns
        with ``strict=False``); those events are not sent again.
        """
        if not self._buffer or self.run_name is None:
            return None
        return self._send()

    def _arm_exit_flush(self) -> None:
        """Register (once) the atexit hook that sends what is still buffered when the interpreter exits."""
        if self._exit_pid is None:
            self._exit_pid = os.getpid()
            atexit.register(self._flush_at_exit)

    def _disarm_exit_flush(self) -> None:
        if self._exit_pid is not None:
            atexit.unregister(self._flush_at_exit)
            self._exit_pid = None

    def _flush_at_exit(self) -> None:
        """atexit: training raised (or the run was never finished) with metrics still buffered."""
        # A forked child inherits the hook and a copy of the buffer: only the process that buffered sends.
        if not self._buffer or self.run_name is None or os.getpid() != self._exit_pid:
            return
        events, self._buffer = self._buffer, []
        n = f"{len(events)} buffered metrics event{'' if len(events) == 1 else 's'}"
        try:
            self._cli(["run", "event", self.run_name], "".join(json.dumps(e, allow_nan=False) + "\n" for e in events))
            msg = f"cognify: at exit, recorded {n} of run {self.run_name}, which is still running (record a failure with fail())"
        except Exception as e:
            msg = f"cognify: at exit, {n} of run {self.run_name} could not be recorded: {e}"
        try:
            warnings.warn(msg, CognifyWarning, stacklevel=2)
        except Exception:  # warnings turned into errors: still say it
            try:
                sys.stderr.write(f"{msg}\n")
            except Exception:
                pass

    # ---- Trainer hooks --------------------------------------------------------------------

    def on_init_end(self, args, state, control, **kwargs):
        return None

    def on_train_begin(self, args, state, control, **kwargs):
        main = self._main_process(state)
        self._is_main = main
        if not main or self.run_name is not None:
            return None
        name = self.run
        if not name:
            source = getattr(args, "run_name", None) or getattr(args, "output_dir", None)
            name = _run_name_from(str(source)) if source else "run"
        self._t0 = time.monotonic()
        self._detect_gpu(args)

        argv = ["run", "start", f"--name={name}", "--source=callback"]
        if self.base_model:
            argv.append(f"--base-model={self.base_model}")
        for role, ref in self.datasets.items():
            argv.append(f"--dataset={role}={ref}")
        if self.code_dir is not None:
            if _in_git_tree(self.code_dir):
                argv.append(f"--code={os.path.abspath(self.code_dir)}")
            else:
                warnings.warn(f"cognify: {os.path.abspath(self.code_dir)} is not inside a git working tree; the run records no code provenance", CognifyWarning, stacklevel=2)
        argv.append(f"--python={platform.python_version()}")
        if self._gpu:
            argv += [f"--gpu={self._gpu}", f"--gpus={self._gpus}"]

        temps: List[str] = []
        try:
            fd, params = tempfile.mkstemp(prefix="cognify-params-", suffix=".json")
            temps.append(params)
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump(self._hyperparameters(args), f, allow_nan=False)
            argv.append(f"--params={params}")
            if self.record_environment:
                freeze = self._pip_freeze()
                if freeze is not None:
                    fd, req = tempfile.mkstemp(prefix="cognify-pip-freeze-", suffix=".txt")
                    temps.append(req)
                    with os.fdopen(fd, "w", encoding="utf-8") as f:
                        f.write(freeze)
                    argv.append(f"--requirements={req}")
            try:
                self.started = self._cli(argv)
                self.run_name = name
                self._last_flush = time.monotonic()
            except CognifyError as e:
                self._start_failed = True
                if e.code == "INPUT_INVALID" and "exists already" in str(e):
                    e.args = (f"{e}; name this run with CognifyCallback(run=...) or TrainingArguments(run_name=...)",)
                self._fail(e)
        finally:
            for t in temps:
                try:
                    os.unlink(t)
                except OSError:
                    pass
        return None

    def on_log(self, args, state, control, **kwargs):
        if not self._open(state):
            return None
        values = self._values(kwargs.get("logs"))
        split = "eval" if any(k.startswith("eval_") for k in values) else "train"
        if split == "eval":  # Trainer.evaluate() logs its metrics, then calls on_evaluate with them
            self._last_eval = (getattr(state, "global_step", 0), values)
        self._metrics(state, values, split)
        return None

    def on_evaluate(self, args, state, control, **kwargs):
        if not self._open(state):
            return None
        values = self._values(kwargs.get("metrics"))
        if self._last_eval is not None and self._last_eval == (getattr(state, "global_step", 0), values):
            self._last_eval = None  # already recorded by on_log
            return None
        self._last_eval = None
        self._metrics(state, values, "eval")
        return None

    def on_save(self, args, state, control, **kwargs):
        if not self._open(state):
            return None
        step = int(getattr(state, "global_step", 0) or 0)
        folder = f"{PREFIX_CHECKPOINT_DIR}-{step}"
        path = os.path.abspath(os.path.join(args.output_dir, folder))
        self._last_save = (step, path)
        if folder in self._checkpoints:
            self._send()  # no new checkpoint, but a save is where the record catches up
            return None
        if not os.path.isdir(path):
            self._send()
            self._fail(CognifyError(f"cognify run event: the Trainer saved step {step}, but there is no directory {path} to record"))
            return None
        # The metrics logged so far, then the checkpoint: one version that holds both.
        if self._send({"type": "checkpoint", "dir": path, "step": step}) is not None:
            self._checkpoints.add(folder)
        return None

    def on_train_end(self, args, state, control, **kwargs):
        if not self._open(state):
            return None
        if self._t0 is not None:
            self._elapsed = time.monotonic() - self._t0
        flops = _number(getattr(state, "total_flos", None))
        self._flops = flops if flops is not None and flops > 0 else None
        if not self.finish_on_train_end:
            self._send()  # training is over: what it logged reaches the record now
            return None
        output = None
        best = getattr(state, "best_model_checkpoint", None)
        if getattr(args, "load_best_model_at_end", False) and best and os.path.isdir(best):
            output = os.path.abspath(best)  # the Trainer loaded these weights as the final model
        elif self._last_save is not None and self._last_save[0] == getattr(state, "global_step", None) and os.path.isdir(self._last_save[1]):
            output = self._last_save[1]  # saved at the last step: the final weights
        else:
            warnings.warn(
                f"cognify: run {self.run_name} finished without an output: no checkpoint was saved at the last step "
                "(save the model and use finish_on_train_end=False with finalize(output_dir) to record it)",
                CognifyWarning,
                stacklevel=2,
            )
        self._finish(output, "finished", None)
        return None

    # no-op hooks (duck typing: the Trainer calls every one of them)
    def on_epoch_begin(self, args, state, control, **kwargs):
        return None

    def on_epoch_end(self, args, state, control, **kwargs):
        return None

    def on_step_begin(self, args, state, control, **kwargs):
        return None

    def on_step_end(self, args, state, control, **kwargs):
        return None

    def on_substep_end(self, args, state, control, **kwargs):
        return None

    def on_pre_optimizer_step(self, args, state, control, **kwargs):
        return None

    def on_optimizer_step(self, args, state, control, **kwargs):
        return None

    def on_prediction_step(self, args, state, control, **kwargs):
        return None

    def on_predict(self, args, state, control, **kwargs):
        return None

    # ---- ending the run by hand -------------------------------------------------------------

    def _finish(self, output: Optional[str], status: str, message: Optional[str]) -> Optional[Dict[str, Any]]:
        """Send the buffered metrics, then ``run finish`` (which also records compute and the output)."""
        if status == "finished":
            self._send()  # strict: a failure raises here, and the run stays open
        else:
            try:
                self._send()
            except CognifyError:
                # fail(): the failure is what matters most; record it, then report the lost metrics.
                try:
                    self._finish_call(output, status, message)
                except CognifyError:
                    pass
                raise
        return self._finish_call(output, status, message)

    def _finish_call(self, output: Optional[str], status: str, message: Optional[str]) -> Optional[Dict[str, Any]]:
        argv = ["run", "finish", self.run_name, f"--status={status}"]
        if output:
            argv.append(f"--output={os.path.abspath(output)}")
        if self._flops is not None:
            argv.append(f"--flops={self._flops!r}")
        if self._gpu and self._gpus and self._elapsed is not None:
            argv += [f"--gpu-hours={self._elapsed / 3600 * self._gpus:.6g}", f"--gpu={self._gpu}", f"--gpus={self._gpus}"]
        if message:
            argv.append(f"--message={message}")
        r = self._call(argv)
        if r is not None:
            self.finished = r
            self._disarm_exit_flush()
        return r

    def _may_end(self, what: str) -> bool:
        if self._is_main is None:
            self._is_main = self._main_process(None)
        if not self._is_main or self._start_failed:
            return False
        if self.run_name is None:
            self._fail(CognifyError(f"cognify: {what}: no run was started (the Trainer has not called on_train_begin)"))
            return False
        if self.finished is not None:
            self._fail(CognifyError(f"cognify: {what}: run {self.run_name} is already finished (at the end of training unless finish_on_train_end=False)"))
            return False
        return True

    def finalize(self, output_dir: Optional[str] = None) -> Optional[Dict[str, Any]]:
        """Finish the run, hashing ``output_dir`` (what ``trainer.save_model(output_dir)`` wrote) as its output.

        For ``finish_on_train_end=False``: call after ``trainer.train()`` and ``trainer.save_model()``.
        Records the FLOPs and GPU-hours seen at ``on_train_end``. Does nothing on other ranks.
        Returns the ``run finish`` result.
        """
        if not self._may_end("finalize"):
            return None
        if output_dir is not None and not os.path.isdir(output_dir):
            self._fail(CognifyError(f"cognify: finalize: no directory {os.path.abspath(output_dir)}; call it after trainer.save_model()"))
            return None
        return self._finish(output_dir, "finished", None)

    def fail(self, message: str = "", status: str = "failed") -> Optional[Dict[str, Any]]:
        """Record that training failed (or ``status="killed"``), e.g. from an ``except`` around ``trainer.train()``."""
        if status not in ("failed", "killed"):
            raise ValueError(f"status must be 'failed' or 'killed', got {status!r}")
        if not self._may_end("fail"):
            return None
        if self._t0 is not None and self._elapsed is None:
            self._elapsed = time.monotonic() - self._t0
        return self._finish(None, status, message or None)
