"""The classifier: DSPy against the scripted LLM, falling back to the rules; the CLI's batch mode."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from app.classify import PROBLEM_TYPES, Classifier, DspyClassifier, RuleClassifier, load_examples
from tests.support.app import ROOT
from tests.support.fake_llm import FakeLLM, question_of


def dspy_classifier(fake: FakeLLM, timeout_s: float = 5) -> Classifier:
    return Classifier(RuleClassifier(), DspyClassifier("openai/fake-model", "sk-test", fake.base_url, timeout_s))


def test_example_sets_are_balanced_and_bilingual() -> None:
    for split, per_type in (("train", 24), ("dev", 16), ("test", 20)):
        examples = load_examples(split)  # type: ignore[arg-type]
        for ptype in PROBLEM_TYPES:
            for lang in ("en", "zh"):
                n = sum(1 for e in examples if e.problem_type == ptype and e.lang == lang)
                assert n == per_type // 2, (split, ptype, lang)
    seen: set[str] = set()
    for split in ("train", "dev", "test"):
        questions = {e.question.lower() for e in load_examples(split)}  # type: ignore[arg-type]
        assert not seen & questions, split
        seen |= questions


async def test_dspy_answers_with_the_models_label(fake_llm: FakeLLM) -> None:
    fake_llm.classify = lambda q: "disk_full" if "磁盘" in q else "general"
    found = await dspy_classifier(fake_llm).classify("node-2 磁盘满了")
    assert (found.problem_type, found.method) == ("disk_full", "dspy")
    assert 0 <= found.confidence <= 1
    [request] = fake_llm.classification_requests
    assert question_of(request) == "node-2 磁盘满了"
    prompt = json.dumps(request["messages"], ensure_ascii=False)
    assert "oom_killed" in prompt  # the Literal's labels are offered to the model
    assert request.get("max_tokens", request.get("max_completion_tokens")) == 64


@pytest.mark.parametrize("failure", ["not-a-label", "http-500", "timeout"])
async def test_rules_answer_when_the_llm_fails(fake_llm: FakeLLM, failure: str) -> None:
    if failure == "not-a-label":
        fake_llm.classify = lambda q: "OOM_KILLED!!"
    elif failure == "http-500":
        fake_llm.classify_status = 500
    else:
        fake_llm.classify_delay_s = 3
    found = await dspy_classifier(fake_llm, timeout_s=1).classify("pod OOMKilled exit code 137")
    assert (found.problem_type, found.method) == ("oom_killed", "rules")


async def test_without_an_llm_the_rules_answer() -> None:
    found = await Classifier(RuleClassifier()).classify("ImagePullBackOff on the api pod")
    assert (found.problem_type, found.method) == ("image_pull", "rules")


def run_cli(*args: str, stdin: str | None = None, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "app", *args], input=stdin, capture_output=True, text=True,
                          cwd=cwd, timeout=120, check=False)


def test_cli_batch_mode_reads_a_file_and_writes_json_lines(tmp_path: Path) -> None:
    questions = tmp_path / "q.txt"
    questions.write_text("Pod 一直在重启\n\ndisk full on node-2\nport already in use\n", encoding="utf-8")
    result = run_cli("classify", "--json", "--file", str(questions))
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["problem_type"] for r in rows] == ["pod_crash", "disk_full", "port_conflict"]
    assert rows[0]["question"] == "Pod 一直在重启"
    assert {r["method"] for r in rows} == {"rules"}
    assert all(set(r) == {"question", "problem_type", "confidence", "method"} for r in rows)


def test_cli_arguments_and_stdin() -> None:
    result = run_cli("classify", "节点 NotReady 了")
    assert result.returncode == 0
    assert result.stdout.startswith("node_not_ready\t")
    piped = run_cli("classify", "--json", "--file", "-", stdin="helm install kube-prometheus-stack fails\n")
    assert json.loads(piped.stdout)["problem_type"] == "helm_install"


def test_cli_errors_are_one_line_not_tracebacks(tmp_path: Path) -> None:
    for args in (("classify",), ("classify", "--file", str(tmp_path / "missing.txt"))):
        result = run_cli(*args)
        assert result.returncode == 2
        assert result.stderr.startswith("error: ")
        assert "Traceback" not in result.stderr


async def test_the_service_answers_with_rules_while_dspy_loads(fake_llm: FakeLLM) -> None:
    llm = DspyClassifier("openai/fake-model", "sk-test", fake_llm.base_url, 5)
    service = Classifier(RuleClassifier(), llm, wait_for_llm=False)
    assert not service.llm_ready
    found = await service.classify("pod OOMKilled exit code 137")
    assert (found.problem_type, found.method) == ("oom_killed", "rules")
    assert fake_llm.classification_requests == []  # nobody waited for DSPy
    llm.warm_up()
    fake_llm.classify = lambda q: "oom_killed"
    assert (await service.classify("pod OOMKilled exit code 137")).method == "dspy"
