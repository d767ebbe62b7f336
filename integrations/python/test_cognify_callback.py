"""Tests of cognify_callback.py: a fake Trainer loop (no transformers, no torch) that writes real
checkpoint directories and drives the real Cognify CLI (node bin/cognify.cjs of this checkout)
against a temporary repository and keystore.

Run: ``npm run build`` at the repository root, then ``cd integrations/python && python3 -m unittest -v``.
"""

from __future__ import annotations

import json
import os
import platform
import shlex
import shutil
import struct
import subprocess
import sys
import tempfile
import textwrap
import unittest
import warnings
from pathlib import Path
from types import SimpleNamespace
from unittest import mock

sys.path.insert(0, str(Path(__file__).resolve().parent))

import cognify_callback  # noqa: E402
from cognify_callback import MAX_EVENTS, CognifyCallback, CognifyError, CognifyWarning  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
CLI_JS = ROOT / "bin" / "cognify.cjs"
DATASET = ROOT / "fixtures" / "datasets" / "credit-decisions.v1.csv"
PASSPHRASE = "integration test passphrase, not a secret"


# ---- a fake Trainer: arguments, state, control, and checkpoint files ---------------------------


class FakeArgs:
    """What the callback reads of transformers.TrainingArguments."""

    def __init__(self, output_dir, run_name=None, **extra):
        self.output_dir = str(output_dir)
        self.run_name = run_name
        self.learning_rate = 2e-4
        self.num_train_epochs = 1
        self.per_device_train_batch_size = 4
        self.lr_scheduler_type = "cosine"
        self.seed = 42
        self.load_best_model_at_end = False
        self.hub_token = "hf_not_a_real_token"
        self.callback_object = object()  # not JSON: left out
        self.__dict__.update(extra)

    def to_dict(self):
        return {k: v for k, v in vars(self).items()}


class FakeState:
    def __init__(self, main=True, has_flag=True):
        self.global_step = 0
        self.epoch = 0.0
        self.total_flos = 0.0
        self.log_history = []
        self.best_model_checkpoint = None
        if has_flag:
            self.is_world_process_zero = main


def write_safetensors(path, tensors):
    """A valid safetensors file: u64 LE header length, JSON header, then the tensors' bytes."""
    header, data = {"__metadata__": {"format": "pt"}}, b""
    for name, (shape, values) in tensors.items():
        raw = struct.pack(f"<{len(values)}f", *values)
        header[name] = {"dtype": "F32", "shape": shape, "data_offsets": [len(data), len(data) + len(raw)]}
        data += raw
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)  # the reference pads the header with spaces to 8 bytes
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + data)


def write_adapter(directory, seed):
    os.makedirs(directory, exist_ok=True)
    prefix = "base_model.model.model.layers.0.self_attn.q_proj"
    write_safetensors(
        os.path.join(directory, "adapter_model.safetensors"),
        {
            f"{prefix}.lora_A.weight": ([2, 8], [seed + i / 100 for i in range(16)]),
            f"{prefix}.lora_B.weight": ([8, 2], [seed - i / 100 for i in range(16)]),
        },
    )
    with open(os.path.join(directory, "adapter_config.json"), "w") as f:
        json.dump({"peft_type": "LORA", "task_type": "CAUSAL_LM", "r": 2, "lora_alpha": 4, "target_modules": ["q_proj"], "base_model_name_or_path": "HuggingFaceTB/SmolLM2-135M"}, f)


class FakeTrainer:
    """Calls the hooks in the order transformers.Trainer does, and saves like _save_checkpoint."""

    def __init__(self, args, state, callback, steps_per_epoch=4):
        self.args, self.state, self.cb, self.control = args, state, callback, SimpleNamespace(should_save=False)
        self.steps_per_epoch = steps_per_epoch
        self.points = 0  # metric points a correct record holds

    def hook(self, name, **kwargs):
        result = getattr(self.cb, name)(self.args, self.state, self.control, **kwargs)
        assert result is None, f"{name} returned {result!r}: a callback must leave the Trainer's control alone"

    def step(self):
        self.hook("on_step_begin")
        self.hook("on_pre_optimizer_step")
        self.hook("on_optimizer_step")
        self.hook("on_substep_end")
        self.state.global_step += 1
        self.state.epoch = self.state.global_step / self.steps_per_epoch
        self.state.total_flos += 1.25e12
        self.hook("on_step_end")

    def log(self, logs):  # Trainer.log: epoch added, history kept, on_log
        logs["epoch"] = self.state.epoch
        self.state.log_history.append({**logs, "step": self.state.global_step})
        self.hook("on_log", logs=logs)

    def evaluate(self, via_log=True):
        metrics = {"eval_loss": 1.5 - self.state.global_step / 10, "eval_accuracy": 0.5 + self.state.global_step / 100, "eval_runtime": 0.2}
        for _ in range(2):
            self.hook("on_prediction_step")
        if via_log:  # Trainer.evaluate: log the metrics, then on_evaluate with the same dict
            self.log(metrics)
        self.hook("on_evaluate", metrics=metrics)
        self.points += 1
        return metrics

    def train_log(self):
        self.log({"loss": 2.0 - self.state.global_step / 10, "grad_norm": 0.9, "learning_rate": 2e-4})
        self.points += 1

    def save(self):
        d = os.path.join(self.args.output_dir, f"checkpoint-{self.state.global_step}")
        write_adapter(d, self.state.global_step)
        with open(os.path.join(d, "trainer_state.json"), "w") as f:
            json.dump({"global_step": self.state.global_step, "epoch": self.state.epoch, "total_flos": self.state.total_flos, "log_history": self.state.log_history}, f)
        self.hook("on_save")
        return d

    def train(self, steps=4, save_at=(2, 4), log_at=(2, 4), eval_at=(2,), eval_direct_at=(4,)):
        self.hook("on_init_end")
        self.hook("on_train_begin", model=object())
        self.hook("on_epoch_begin")
        for _ in range(steps):
            self.step()
            s = self.state.global_step
            if s in log_at:
                self.train_log()
            if s in eval_at:
                self.evaluate(via_log=True)
            if s in eval_direct_at:
                self.evaluate(via_log=False)
            if s in save_at:
                self.save()
        self.hook("on_epoch_end")
        self.log({"train_runtime": 12.5, "train_samples_per_second": 1.28, "train_loss": 1.8, "total_flos": self.state.total_flos})
        self.points += 1
        self.hook("on_train_end")


# ---- the real CLI --------------------------------------------------------------------------------


def cli_command():
    return ["node", str(CLI_JS)]


_SHARED = {}


def tearDownModule():
    if "tmp" in _SHARED:
        _SHARED.pop("tmp").cleanup()


class CliTestCase(unittest.TestCase):
    """A keystore with one key, a repository it administers, and credit-decisions@1 committed;
    made once for every test class (each CLI call starts Node and unlocks the key)."""

    @classmethod
    def setUpClass(cls):
        missing = []
        if shutil.which("node") is None:
            missing.append("node is not on PATH")
        if not (ROOT / "dist" / "bin" / "cli.js").exists():
            missing.append(f"{ROOT / 'dist'} is not built")
        elif not (ROOT / "dist" / "bin" / "commands" / "run.js").exists():
            missing.append(f"{ROOT / 'dist'} has no run command (built before bin/commands/run.ts)")
        if missing:
            raise AssertionError(f"cannot test against the Cognify CLI: {'; '.join(missing)}. Run `npm run build` in {ROOT} (Node >= 20.19) first.")
        if "error" in _SHARED:  # the first class's setup failed: say so again, do not retry
            raise AssertionError(_SHARED["error"])
        if "tmp" in _SHARED:
            return
        tmp = tempfile.TemporaryDirectory(prefix="cognify-callback-")
        _SHARED["tmp"] = tmp
        CliTestCase.tmp = Path(tmp.name)
        CliTestCase.env = {"COGNIFY_HOME": str(CliTestCase.tmp / "keys"), "COGNIFY_PASSPHRASE": PASSPHRASE, "COGNIFY_KEY": ""}
        CliTestCase.repo = CliTestCase.tmp / "audit-record"
        try:
            CliTestCase.cli("id", "new", "--name", "Ada Lovelace", "--email", "ada@example.org")
            CliTestCase.cli("init", str(CliTestCase.repo), "--name", "Credit model fine-tuning")
            CliTestCase.cli("dataset", "commit", "credit-decisions", str(DATASET), "--key", "applicant_id", repo=CliTestCase.repo)
        except BaseException as e:
            _SHARED["error"] = f"setting up the test repository failed: {e}"
            _SHARED.pop("tmp").cleanup()
            raise

    @classmethod
    def cli(cls, *argv, repo=None):
        cmd = [*cli_command(), *(["-C", str(repo)] if repo else []), *argv, "--json"]
        p = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, **cls.env}, stdin=subprocess.DEVNULL)
        if p.returncode != 0:
            raise AssertionError(f"{' '.join(cmd)} failed (exit {p.returncode}): {p.stderr.strip()}")
        return json.loads(p.stdout)

    def callback(self, **kw):
        kw.setdefault("repo", str(self.repo))
        kw.setdefault("cognify", cli_command())
        kw.setdefault("env", self.env)
        kw.setdefault("code_dir", None)
        kw.setdefault("record_environment", False)
        return CognifyCallback(**kw)


class TestRecordsARun(CliTestCase):
    def test_records_a_training_run(self):
        out = self.tmp / "out" / "smol-credit-lora"
        # The CLI found through $COGNIFY_CLI (split with shlex), a name from args.run_name.
        env = {**self.env, "COGNIFY_CLI": " ".join(shlex.quote(c) for c in cli_command())}
        cb = CognifyCallback(
            repo=str(self.repo),
            base_model="HuggingFaceTB/SmolLM2-135M@main",
            datasets={"train": "credit-decisions@1"},
            code_dir=None,
            env=env,
            record_environment=True,
        )
        self.assertEqual(cb.command, cli_command())
        args, state = FakeArgs(out, run_name="./runs/smol-credit-lora"), FakeState()
        trainer = FakeTrainer(args, state, cb)
        trainer.train()

        self.assertEqual(cb.run_name, "smol-credit-lora")
        self.assertEqual(cb.started["number"], 1)
        self.assertEqual(cb.finished["status"], "finished")
        show = self.cli("run", "show", "smol-credit-lora", "--metrics", repo=self.repo)  # --metrics: the points, not a count
        points = show["metrics"]
        self.assertEqual(show["name"], "smol-credit-lora")
        self.assertEqual(show["status"], "finished")
        self.assertEqual(show["source"]["kind"], "callback")
        self.assertEqual(show["baseModel"]["name"], "HuggingFaceTB/SmolLM2-135M")
        self.assertEqual(show["baseModel"]["revision"], "main")
        self.assertEqual([(d["role"], d["name"], d["number"]) for d in show["datasets"]], [("train", "credit-decisions", 1)])
        self.assertEqual([(c["name"], c["step"]) for c in show["checkpoints"]], [("checkpoint-2", 2), ("checkpoint-4", 4)])
        # Metrics: 2 train logs + 2 evaluations (the one logged by Trainer.evaluate counted once) + the final log.
        self.assertEqual(trainer.points, 5)
        self.assertEqual(len(points), trainer.points)
        hp = show["hyperparameters"]
        self.assertEqual(hp["learning_rate"], 2e-4)
        self.assertEqual(hp["lr_scheduler_type"], "cosine")
        self.assertEqual(hp["hub_token"], "<HUB_TOKEN>")  # never the token itself
        self.assertNotIn("callback_object", hp)
        self.assertEqual(float(show["compute"]["flops"]), state.total_flos)
        self.assertEqual(show["compute"]["flopsMethod"], "reported")
        self.assertEqual(show["environment"]["python"], platform.python_version())
        self.assertIsInstance(show["environment"]["packages"], list)  # pip freeze, parsed by the CLI
        # Saved at the last step: checkpoint-4 holds the final weights, recorded as the output.
        self.assertEqual([o["name"] for o in show["outputs"]], ["final"])
        self.assertEqual(show["outputs"][0]["root"], show["checkpoints"][1]["root"])
        self.assertNotEqual(show["checkpoints"][0]["root"], show["checkpoints"][1]["root"])

        self.assertEqual([(p["step"], p["kind"]) for p in points], [(2, "train"), (2, "eval"), (4, "train"), (4, "eval"), (4, "train")])
        self.assertEqual(points[0]["epoch"], 0.5)
        self.assertEqual(points[0]["values"]["loss"], 1.8)
        self.assertNotIn("epoch", points[0]["values"])
        self.assertAlmostEqual(points[3]["values"]["eval_accuracy"], 0.54)

        # After the run is finished, a later evaluation is not recorded, with a warning.
        with self.assertWarns(CognifyWarning):
            trainer.evaluate()
        with self.assertRaises(CognifyError):  # already finished at on_train_end
            cb.finalize(str(out / "checkpoint-4"))

    def test_finalize_records_the_saved_model(self):
        out = self.tmp / "out" / "finalize"
        cb = self.callback(run="credit-lora-finalized", datasets={"train": "credit-decisions"}, finish_on_train_end=False)
        args, state = FakeArgs(out), FakeState()
        trainer = FakeTrainer(args, state, cb)
        trainer.train(steps=3, save_at=(2,), log_at=(), eval_at=(), eval_direct_at=())
        self.assertIsNone(cb.finished)  # on_train_end left the run open
        trainer.evaluate()  # trainer.evaluate() after trainer.train(): still recorded
        final = out / "final-model"
        write_adapter(final, 99)  # trainer.save_model(final)
        result = cb.finalize(str(final))
        self.assertEqual(result["status"], "finished")

        show = self.cli("run", "show", "credit-lora-finalized", repo=self.repo)
        self.assertEqual(show["status"], "finished")
        self.assertEqual([(c["name"], c["step"]) for c in show["checkpoints"]], [("checkpoint-2", 2)])
        self.assertEqual([o["name"] for o in show["outputs"]], ["final"])
        self.assertNotEqual(show["outputs"][0]["root"], show["checkpoints"][0]["root"])
        self.assertEqual(show["metrics"], trainer.points)  # the final train log + the late evaluation
        self.assertEqual(float(show["compute"]["flops"]), state.total_flos)
        with self.assertRaises(CognifyError):  # finished: a second finalize is refused
            cb.finalize(str(final))


class TestWhoWrites(CliTestCase):
    def test_other_ranks_write_nothing(self):
        repo = self.tmp / "rank-repo"
        self.cli("init", str(repo), "--name", "ranks")
        for state, rank in ((FakeState(main=False), None), (FakeState(has_flag=False), "1")):
            with mock.patch.dict(os.environ, {"RANK": rank} if rank else {}):
                cb = self.callback(repo=str(repo), datasets={"train": "no-such-dataset"})
                trainer = FakeTrainer(FakeArgs(self.tmp / "out" / f"rank-{rank}"), state, cb)
                trainer.train()
                self.assertIsNone(cb.finalize(str(self.tmp)))
                self.assertIsNone(cb.fail("should not be written"))
                self.assertIsNone(cb.run_name)
        self.assertEqual(self.cli("run", "list", repo=repo), [])

    def test_cli_failure_raises_with_the_cli_message(self):
        cb = self.callback(run="bad-dataset", datasets={"train": "no-such-dataset@1"})
        trainer = FakeTrainer(FakeArgs(self.tmp / "out" / "bad"), FakeState(), cb)
        with self.assertRaises(CognifyError) as caught:
            trainer.train()
        e = caught.exception
        line = [ln for ln in e.stderr.splitlines() if ln.startswith("cognify:")][-1]
        self.assertIn(line, str(e))
        self.assertIn("no-such-dataset", str(e))
        self.assertTrue(str(e).startswith("cognify run start failed (exit "), str(e))
        self.assertNotEqual(e.returncode, 0)
        self.assertEqual(e.code, "NOT_FOUND")
        self.assertIsNone(cb.run_name)

    def test_strict_false_only_warns(self):
        cb = self.callback(run="bad-dataset-lenient", datasets={"train": "no-such-dataset@1"}, strict=False)
        trainer = FakeTrainer(FakeArgs(self.tmp / "out" / "lenient"), FakeState(), cb)
        with warnings.catch_warnings(record=True) as seen:
            warnings.simplefilter("always")
            trainer.train()  # training goes on
            self.assertIsNone(cb.finalize())
        msgs = [str(w.message) for w in seen if issubclass(w.category, CognifyWarning)]
        self.assertEqual(len(msgs), 1, msgs)  # the failed start; later hooks do not retry
        self.assertIn("no-such-dataset", msgs[0])
        self.assertIn("strict=False", msgs[0])

    def test_cli_that_cannot_start(self):
        cb = self.callback(run="no-cli", cognify=[str(self.tmp / "no-such-cognify")])
        with self.assertRaises(CognifyError) as caught:
            cb.on_train_begin(FakeArgs(self.tmp / "out" / "no-cli"), FakeState(), None)
        self.assertIn("cannot start the Cognify CLI", str(caught.exception))


class TestBatching(CliTestCase):
    """Metrics are buffered and sent as JSON Lines: fewer run versions, the same points."""

    def versions(self, run):
        """(number, points, checkpoint names) of every version of the run, from run show <run>@N."""
        last = self.cli("run", "show", run, repo=self.repo)["number"]
        out = []
        for n in range(1, last + 1):
            v = self.cli("run", "show", f"{run}@{n}", repo=self.repo)
            out.append((v["number"], v["metrics"], [c["name"] for c in v["checkpoints"]]))
        return out

    def test_batches_of_three_then_a_save(self):
        cb = self.callback(run="batched-3", batch_size=3)
        trainer = FakeTrainer(FakeArgs(self.tmp / "out" / "batched-3"), FakeState(), cb)
        trainer.hook("on_train_begin")
        for _ in range(7):
            trainer.step()
            trainer.train_log()
        trainer.save()  # the 7th point and checkpoint-7 in one call
        # By hand: start is version 1; logs 1-3 are version 2, logs 4-6 version 3; the save sends
        # log 7 with the checkpoint: version 4. Four versions, where batch_size=1 makes nine.
        self.assertEqual(self.versions("batched-3"), [(1, 0, []), (2, 3, []), (3, 6, []), (4, 7, ["checkpoint-7"])])
        log = [e for e in self.cli("log", repo=self.repo) if e["details"].get("name") == "batched-3"]
        self.assertEqual([e["action"] for e in log], ["run.start", "run.event", "run.event", "run.event"])
        points = self.cli("run", "show", "batched-3", "--metrics", repo=self.repo)["metrics"]
        self.assertEqual(len(points), trainer.points)
        self.assertEqual([(p["step"], p["kind"]) for p in points], [(s, "train") for s in range(1, 8)])
        self.assertEqual([p["values"]["loss"] for p in points], [2.0 - s / 10 for s in range(1, 8)])
        self.assertEqual(points[3]["epoch"], 1.0)

    def test_a_save_sends_the_metrics_logged_before_it(self):
        cb = self.callback(run="save-flushes")  # default batch_size=100, flush_seconds=60
        trainer = FakeTrainer(FakeArgs(self.tmp / "out" / "save-flushes"), FakeState(), cb)
        trainer.train(steps=2, save_at=(2,), log_at=(1, 2), eval_at=(2,), eval_direct_at=())
        # start; at the save, 2 train logs + 1 evaluation + the checkpoint as ONE version; the final
        # train log sent at on_train_end, then run finish.
        self.assertEqual(self.versions("save-flushes"), [(1, 0, []), (2, 3, ["checkpoint-2"]), (3, 4, ["checkpoint-2"]), (4, 4, ["checkpoint-2"])])
        show = self.cli("run", "show", "save-flushes", "--metrics", repo=self.repo)
        self.assertEqual(show["status"], "finished")
        self.assertEqual([(p["step"], p["kind"]) for p in show["metrics"]], [(1, "train"), (2, "train"), (2, "eval"), (2, "train")])
        self.assertEqual(len(show["metrics"]), trainer.points)

    def test_flush_seconds_zero_sends_every_event(self):
        cb = self.callback(run="flush-zero", batch_size=100, flush_seconds=0)
        trainer = FakeTrainer(FakeArgs(self.tmp / "out" / "flush-zero"), FakeState(), cb)
        trainer.hook("on_train_begin")
        for _ in range(3):
            trainer.step()
            trainer.train_log()
        self.assertIsNone(cb.flush())  # nothing left to send
        self.assertEqual(self.versions("flush-zero"), [(1, 0, []), (2, 1, []), (3, 2, []), (4, 3, [])])

    def test_exit_after_an_exception_sends_the_buffer(self):
        script = textwrap.dedent(
            """
            import json, sys
            from types import SimpleNamespace
            sys.path.insert(0, sys.argv[2])
            from cognify_callback import CognifyCallback
            cfg = json.loads(sys.argv[1])
            cb = CognifyCallback(repo=cfg["repo"], run="crashed", cognify=cfg["cli"], env=cfg["env"], code_dir=None, record_environment=False, batch_size=100)
            args = SimpleNamespace(output_dir="out", run_name=None, learning_rate=1e-4)
            state = SimpleNamespace(global_step=0, epoch=0.0, total_flos=0.0, is_world_process_zero=True)
            cb.on_train_begin(args, state, None)
            for step in (1, 2):
                state.global_step, state.epoch = step, step / 4
                cb.on_log(args, state, None, logs={"loss": 2.0 - step / 10, "epoch": state.epoch})
            raise RuntimeError("CUDA out of memory (simulated)")  # and no callback.fail()
            """
        )
        cfg = {"repo": str(self.repo), "cli": cli_command(), "env": self.env}
        p = subprocess.run([sys.executable, "-c", script, json.dumps(cfg), str(Path(__file__).resolve().parent)], capture_output=True, text=True, stdin=subprocess.DEVNULL)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("RuntimeError: CUDA out of memory (simulated)", p.stderr)
        self.assertIn("at exit, recorded 2 buffered metrics events of run crashed", p.stderr)
        show = self.cli("run", "show", "crashed", "--metrics", repo=self.repo)
        self.assertEqual((show["number"], show["status"]), (2, "running"))  # never finished: visibly so
        self.assertEqual([(p["step"], p["values"]["loss"]) for p in show["metrics"]], [(1, 1.9), (2, 1.8)])

    def test_a_failed_flush_raises_and_is_not_sent_again(self):
        cb = self.callback(run="closed-under-it")
        trainer = FakeTrainer(FakeArgs(self.tmp / "out" / "closed-under-it"), FakeState(), cb)
        trainer.hook("on_train_begin")
        trainer.step()
        trainer.train_log()
        self.cli("run", "finish", "closed-under-it", "--status", "killed", repo=self.repo)  # someone else ended it
        with self.assertRaises(CognifyError) as caught:
            cb.flush()
        self.assertIn("1 buffered metrics event not recorded", str(caught.exception))
        self.assertEqual(caught.exception.code, "INPUT_INVALID")
        self.assertIsNone(cb.flush())  # dropped, not re-sent
        self.assertEqual(self.cli("run", "show", "closed-under-it", repo=self.repo)["metrics"], 0)


# ---- what the callback sends, without the CLI ------------------------------------------------------


class NumpyLikeFloat(float):
    """Like numpy.float64: a float whose repr is not a number."""

    def __repr__(self):
        return f"np.float64({float(self)!r})"


class Recording(CognifyCallback):
    """Records the CLI calls instead of making them."""

    def __init__(self, **kw):
        kw.setdefault("repo", "/tmp/audit")
        kw.setdefault("cognify", ["cognify"])
        kw.setdefault("code_dir", None)
        kw.setdefault("record_environment", False)
        super().__init__(**kw)
        self.calls = []

    fail_with = None  # a CognifyError the next CLI call raises (after being recorded)

    def _cli(self, argv, stdin=None):
        # stdin: JSON Lines, one event a line (as `cognify run event` reads it); recorded as a list.
        self.calls.append((list(argv), None if not stdin else [json.loads(line) for line in stdin.splitlines() if line.strip()]))
        if self.fail_with is not None:
            e, self.fail_with = self.fail_with, None
            raise e
        if argv[1] == "start":
            with open(next(a for a in argv if a.startswith("--params="))[len("--params="):]) as f:
                self.params = json.load(f)
        return {"run": "sha256:" + "0" * 64, "name": argv[2] if len(argv) > 2 else "", "number": len(self.calls), "status": "running"}


class TestWithoutCli(unittest.TestCase):
    def test_hooks_return_none_and_unknown_hooks_are_no_ops(self):
        cb = Recording()
        for hook in ("on_init_end", "on_step_begin", "on_step_end", "on_epoch_begin", "on_epoch_end", "on_substep_end", "on_prediction_step", "on_predict", "on_optimizer_step", "on_pre_optimizer_step"):
            self.assertIsNone(getattr(cb, hook)(FakeArgs("/tmp/x"), FakeState(), None, metrics={}))
        if "transformers" not in sys.modules:
            self.assertIsNone(cb.on_some_future_hook(None, None, None))
        self.assertEqual(cb.calls, [])

    def test_subclasses_trainer_callback_when_transformers_is_importable(self):
        with tempfile.TemporaryDirectory() as d:
            pkg = os.path.join(d, "transformers")
            os.mkdir(pkg)
            with open(os.path.join(pkg, "__init__.py"), "w") as f:
                f.write("class TrainerCallback:\n    def on_init_end(self, args, state, control, **kwargs):\n        pass\n")
            with open(os.path.join(pkg, "trainer_utils.py"), "w") as f:
                f.write('PREFIX_CHECKPOINT_DIR = "ckpt"\n')
            code = "import cognify_callback as c, transformers as t; assert issubclass(c.CognifyCallback, t.TrainerCallback); print(c.PREFIX_CHECKPOINT_DIR)"
            here = str(Path(__file__).resolve().parent)
            p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env={**os.environ, "PYTHONPATH": os.pathsep.join([d, here])})
            self.assertEqual((p.returncode, p.stdout.strip()), (0, "ckpt"), p.stderr)

    def test_start_arguments(self):
        cb = Recording(base_model="org/model@abc123", datasets={"train": "credit-decisions@2", "eval": "held-out"}, signer="ada@example.org")
        args = FakeArgs("/data/out/", run_name=None, weird=float("nan"), nested={"a": [1, 2]}, api_key="k", _private=1)
        cb.on_train_begin(args, FakeState(), None)
        argv, _ = cb.calls[0]
        self.assertEqual(argv[:4], ["run", "start", "--name=out", "--source=callback"])
        self.assertIn("--base-model=org/model@abc123", argv)
        self.assertIn("--dataset=train=credit-decisions@2", argv)
        self.assertIn("--dataset=eval=held-out", argv)
        self.assertIn(f"--python={platform.python_version()}", argv)
        self.assertFalse(any(a.startswith(("--gpu", "--requirements", "--code")) for a in argv), argv)
        self.assertFalse(os.path.exists(next(a for a in argv if a.startswith("--params="))[9:]))  # temp file removed
        p = cb.params
        self.assertEqual(p["learning_rate"], 2e-4)
        self.assertEqual(p["nested"], {"a": [1, 2]})
        self.assertEqual(p["api_key"], "<API_KEY>")
        self.assertEqual(p["hub_token"], "<HUB_TOKEN>")
        for gone in ("weird", "callback_object", "_private"):
            self.assertNotIn(gone, p)

    def test_pip_freeze_failure_is_tolerated(self):
        with tempfile.TemporaryDirectory() as d, mock.patch.object(sys, "executable", os.path.join(d, "no-python")):
            cb = Recording(record_environment=True)
            cb.on_train_begin(FakeArgs(d), FakeState(), None)
        self.assertFalse(any(a.startswith("--requirements") for a in cb.calls[0][0]))

    def test_run_names(self):
        for args, name in ((FakeArgs("/x/y/output"), "output"), (FakeArgs("o", run_name="my run #1"), "my-run--1"), (FakeArgs("o", run_name="trainer_output"), "trainer_output")):
            cb = Recording()
            cb.on_train_begin(args, FakeState(), None)
            self.assertEqual(cb.calls[0][0][2], f"--name={name}")

    def test_code_outside_git_warns(self):
        with tempfile.TemporaryDirectory() as d:
            cb = Recording(code_dir=d)
            with self.assertWarns(CognifyWarning):
                cb.on_train_begin(FakeArgs(d), FakeState(), None)
            self.assertFalse(any(a.startswith("--code") for a in cb.calls[0][0]))
            os.mkdir(os.path.join(d, ".git"))
            cb = Recording(code_dir=d)
            cb.on_train_begin(FakeArgs(d), FakeState(), None)
            self.assertIn(f"--code={os.path.abspath(d)}", cb.calls[0][0])

    def test_gpu_from_a_loaded_torch_only(self):
        cuda = SimpleNamespace(is_available=lambda: True, device_count=lambda: 2, get_device_name=lambda i: "NVIDIA H100 80GB HBM3")
        with mock.patch.dict(sys.modules, {"torch": SimpleNamespace(cuda=cuda)}):
            cb = Recording()
            cb.on_train_begin(FakeArgs("/o", world_size=8), FakeState(), None)
            state = FakeState()
            state.total_flos = NumpyLikeFloat(3.5e17)
            with self.assertWarns(CognifyWarning):  # no checkpoint at the last step: no output
                cb.on_train_end(FakeArgs("/o"), state, None)
        start, finish = cb.calls[0][0], cb.calls[1][0]
        self.assertIn("--gpu=NVIDIA H100 80GB HBM3", start)
        self.assertIn("--gpus=8", start)  # 8 processes on several nodes of 2 GPUs
        self.assertEqual(finish[:4], ["run", "finish", "o", "--status=finished"])
        self.assertIn("--flops=3.5e+17", finish)
        self.assertTrue(any(a.startswith("--gpu-hours=") for a in finish))

    def test_metric_values(self):
        cb = Recording(batch_size=1)  # one call per event, as before batching
        state = FakeState()
        cb.on_train_begin(FakeArgs("/o"), state, None)
        state.global_step, state.epoch = 10, 0.25
        # A diverged loss is evidence: sent as the string the CLI records as NaN, not dropped.
        cb.on_log(FakeArgs("/o"), state, None, logs={"loss": float("nan"), "scale": float("-inf"), "grad_norm": SimpleNamespace(item=lambda: 0.5), "flag": True, "note": "x", "epoch": 0.25, "step_time": 3})
        self.assertEqual(cb.calls[1][1], [{"type": "metrics", "step": 10, "epoch": 0.25, "split": "train", "values": {"loss": "NaN", "scale": "-Infinity", "grad_norm": 0.5, "step_time": 3}}])
        with self.assertWarns(CognifyWarning):  # a value that is no number at all: said, not hidden
            cb.on_log(FakeArgs("/o"), state, None, logs={"loss": 1.0, "odd": SimpleNamespace(item=lambda: "text")})
        cb.on_log(FakeArgs("/o"), state, None, logs={"eval_loss": 1.0, "epoch": 0.25})
        cb.on_evaluate(FakeArgs("/o"), state, None, metrics={"eval_loss": 1.0, "epoch": 0.25})  # the same evaluation
        cb.on_evaluate(FakeArgs("/o"), state, None, metrics={"eval_loss": 0.9})  # another one
        cb.on_log(FakeArgs("/o"), state, None, logs={"note": "only text"})  # nothing numeric: no event
        self.assertEqual([[(e["split"], e["values"]) for e in c[1]] for c in cb.calls[3:]], [[("eval", {"eval_loss": 1.0})], [("eval", {"eval_loss": 0.9})]])

    def test_checkpoint_event_and_missing_directory(self):
        with tempfile.TemporaryDirectory() as d:
            cb = Recording()
            state = FakeState()
            cb.on_train_begin(FakeArgs(d), state, None)
            state.global_step = 7
            os.mkdir(os.path.join(d, "checkpoint-7"))
            cb.on_save(FakeArgs(d), state, None)
            cb.on_save(FakeArgs(d), state, None)  # the same checkpoint again: recorded once
            self.assertEqual(cb.calls[1][1], [{"type": "checkpoint", "dir": os.path.join(os.path.abspath(d), "checkpoint-7"), "step": 7}])
            self.assertEqual(len(cb.calls), 2)
            state.global_step = 8
            with self.assertRaises(CognifyError) as caught:
                cb.on_save(FakeArgs(d), state, None)
            self.assertIn("checkpoint-8", str(caught.exception))

    def test_end_without_a_final_checkpoint(self):
        cb = Recording()
        state = FakeState()
        cb.on_train_begin(FakeArgs("/o"), state, None)
        state.global_step = 3
        with self.assertWarns(CognifyWarning):
            cb.on_train_end(FakeArgs("/o"), state, None)
        self.assertFalse(any(a.startswith("--output") for a in cb.calls[-1][0]))
        self.assertFalse(any(a.startswith("--flops") for a in cb.calls[-1][0]))  # total_flos 0: unknown

    def test_best_checkpoint_is_the_output(self):
        with tempfile.TemporaryDirectory() as d:
            cb = Recording()
            state = FakeState()
            cb.on_train_begin(FakeArgs(d), state, None)
            best = os.path.join(d, "checkpoint-2")
            os.mkdir(best)
            state.global_step, state.best_model_checkpoint = 6, best
            cb.on_train_end(FakeArgs(d, load_best_model_at_end=True), state, None)
            self.assertIn(f"--output={best}", cb.calls[-1][0])

    def test_fail(self):
        cb = Recording()
        cb.on_train_begin(FakeArgs("/o"), FakeState(), None)
        cb.fail("CUDA out of memory", status="killed")
        self.assertEqual(cb.calls[-1][0][:4], ["run", "finish", "o", "--status=killed"])
        self.assertIn("--message=CUDA out of memory", cb.calls[-1][0])
        with self.assertRaises(ValueError):
            cb.fail("x", status="finished")


class TestBufferWithoutCli(unittest.TestCase):
    def started(self, **kw):
        cb = Recording(**kw)
        state = FakeState()
        cb.on_train_begin(FakeArgs("/o"), state, None)
        return cb, state

    def log(self, cb, state, n=1):
        for _ in range(n):
            state.global_step += 1
            cb.on_log(FakeArgs("/o"), state, None, logs={"loss": 1.0 / state.global_step, "epoch": 0.5})

    def sent(self, cb):
        """The steps of each run event call after run start; a checkpoint shows as "cp"."""
        return [[e["step"] if e["type"] == "metrics" else "cp" for e in c[1]] for c in cb.calls if c[0][1] == "event"]

    def test_arguments(self):
        for bad in ({"batch_size": 0}, {"batch_size": MAX_EVENTS + 1}, {"batch_size": 2.0}, {"batch_size": True}, {"flush_seconds": -1}, {"flush_seconds": float("nan")}, {"flush_seconds": "60"}):
            with self.assertRaises(ValueError, msg=bad):
                Recording(**bad)
        Recording(batch_size=MAX_EVENTS, flush_seconds=None)

    def test_batches_and_a_save(self):
        with tempfile.TemporaryDirectory() as d:
            cb = Recording(batch_size=3)
            state = FakeState()
            cb.on_train_begin(FakeArgs(d), state, None)
            self.log(cb, state, 7)
            self.assertEqual(self.sent(cb), [[1, 2, 3], [4, 5, 6]])
            os.mkdir(os.path.join(d, "checkpoint-7"))
            cb.on_save(FakeArgs(d), state, None)
            self.assertEqual(self.sent(cb), [[1, 2, 3], [4, 5, 6], [7, "cp"]])
            cb.on_save(FakeArgs(d), state, None)  # nothing new: no call
            self.assertEqual(len(cb.calls), 4)
            self.log(cb, state, 1)
            with self.assertWarns(CognifyWarning):  # no checkpoint at the last step
                cb.on_train_end(FakeArgs(d), state, None)
            self.assertEqual(self.sent(cb)[-1], [8])
            self.assertEqual(cb.calls[-1][0][:2], ["run", "finish"])  # metrics first, then finish

    def test_batch_size_one_is_one_call_per_event(self):
        cb, state = self.started(batch_size=1)
        self.log(cb, state, 3)
        self.assertEqual(self.sent(cb), [[1], [2], [3]])

    def test_flush_seconds(self):
        now = [100.0]
        with mock.patch.object(cognify_callback, "time", SimpleNamespace(monotonic=lambda: now[0])):
            cb, state = self.started(flush_seconds=10)
            self.log(cb, state)
            now[0] = 109.9
            self.log(cb, state)
            self.assertEqual(self.sent(cb), [])
            now[0] = 110.0  # 10 s since the start: this event sends all three
            self.log(cb, state)
            self.assertEqual(self.sent(cb), [[1, 2, 3]])
            now[0] = 125.0  # counted from the last send; only checked when an event is added
            self.assertEqual(self.sent(cb), [[1, 2, 3]])
            self.log(cb, state)
            self.assertEqual(self.sent(cb), [[1, 2, 3], [4]])
            self.log(cb, state)
            self.assertEqual(cb.flush()["status"], "running")  # by hand
            self.assertIsNone(cb.flush())  # empty: no call
            self.assertEqual(self.sent(cb), [[1, 2, 3], [4], [5]])

    def test_failed_flush_raises_once_and_drops_the_events(self):
        cb, state = self.started()
        self.log(cb, state, 3)
        cb.fail_with = CognifyError("cognify run event failed (exit 1): cognify: disk full [IO]", code="IO")
        with self.assertRaises(CognifyError) as caught:
            cb.flush()
        self.assertIn("disk full [IO] (3 buffered metrics events not recorded)", str(caught.exception))
        self.assertIsNone(cb.flush())
        self.log(cb, state)
        cb.flush()
        self.assertEqual(self.sent(cb), [[1, 2, 3], [4]])  # 1-3 tried once, not again
        cb._flush_at_exit()  # nothing left for the exit hook either
        self.assertEqual(len(cb.calls), 3)

    def test_failed_flush_warns_when_not_strict(self):
        cb, state = self.started(strict=False, batch_size=2)
        cb.fail_with = CognifyError("cognify run event failed (exit 1): boom")
        with self.assertWarns(CognifyWarning) as caught:
            self.log(cb, state, 2)  # training goes on
        self.assertIn("2 buffered metrics events not recorded", str(caught.warning))
        self.log(cb, state, 2)
        self.assertEqual(self.sent(cb), [[1, 2], [3, 4]])

    def test_fail_and_finalize_send_the_buffer_first(self):
        cb, state = self.started(finish_on_train_end=False)
        self.log(cb, state, 2)
        cb.on_train_end(FakeArgs("/o"), state, None)  # run left open, but the metrics are sent
        self.assertEqual(self.sent(cb), [[1, 2]])
        self.log(cb, state)  # a trainer.evaluate() after train()
        cb.fail("CUDA out of memory")
        self.assertEqual(self.sent(cb), [[1, 2], [3]])
        self.assertEqual(cb.calls[-1][0][:4], ["run", "finish", "o", "--status=failed"])
        self.assertIsNone(cb._exit_pid)  # finished: no exit hook left
        cb, state = self.started(finish_on_train_end=False)
        self.log(cb, state)
        with tempfile.TemporaryDirectory() as d:
            cb.finalize(d)
        self.assertEqual([c[0][1] for c in cb.calls], ["start", "event", "finish"])

    def test_fail_still_records_the_failure_when_its_flush_fails(self):
        cb, state = self.started()
        self.log(cb, state, 2)
        cb.fail_with = CognifyError("cognify run event failed (exit 1): boom")
        with self.assertRaises(CognifyError):
            cb.fail("diverged")
        self.assertEqual(cb.calls[-1][0][:4], ["run", "finish", "o", "--status=failed"])
        self.assertIsNotNone(cb.finished)

    def test_exit_hook(self):
        cb, state = self.started()
        self.log(cb, state, 2)
        with mock.patch.object(cognify_callback.os, "getpid", return_value=os.getpid() + 1):
            cb._flush_at_exit()  # a forked child: its copy of the buffer is not sent
        self.assertEqual(self.sent(cb), [])
        with self.assertWarns(CognifyWarning) as caught:
            cb._flush_at_exit()
        self.assertEqual(self.sent(cb), [[1, 2]])
        self.assertIn("at exit, recorded 2 buffered metrics events of run o", str(caught.warning))
        self.log(cb, state)
        cb.fail_with = CognifyError("cognify run event failed (exit 1): locked")
        with self.assertWarns(CognifyWarning) as caught:  # strict or not: at exit, a warning
            cb._flush_at_exit()
        self.assertIn("1 buffered metrics event of run o could not be recorded", str(caught.warning))
        self.assertIn("locked", str(caught.warning))
        cb._flush_at_exit()
        self.assertEqual(len(self.sent(cb)), 2)  # not re-sent
        cb.fail("x")
        self.assertIsNone(cb._exit_pid)

    def test_other_ranks_buffer_nothing(self):
        cb = Recording()
        state = FakeState(main=False)
        cb.on_train_begin(FakeArgs("/o"), state, None)
        self.log(cb, state, 3)
        self.assertEqual((cb.calls, cb._buffer, cb._exit_pid), ([], [], None))


if __name__ == "__main__":
    unittest.main()
