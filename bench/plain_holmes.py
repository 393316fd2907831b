"""Plain HolmesGPT, set up the way `holmes ask` sets itself up, run on given questions (a subprocess of
bench/tokens.py, so its KUBECONFIG, HOME and HolmesGPT's import-time globals stay its own).

As in `holmes/main.py` `ask`: `Config.load_from_file(None, api_key=..., model=...)`, the CLI's toolsets
(`toolset_tag_filter=[CORE, CLI]`, `enable_all_toolsets_possible=True`), `build_initial_ask_messages`
with the default prompt components and the skill catalog, then `ai.call(messages)`. Differences, none of
which changes what the model is sent: `api_base` is set on the config (the CLI reads it from the
environment), and the prerequisite cache is DISABLED (the CLI's ENABLED caches the same checks on disk).

    python -m bench.plain_holmes --api-base URL QUESTION...   # one JSON line per question
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from typing import Any


def _status(call: Any) -> str:
    result = getattr(call, "result", None)
    status = getattr(result, "status", None)
    return str(getattr(status, "value", status))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--api-base", required=True)
    parser.add_argument("--model", default="openai/fake-model")
    parser.add_argument("questions", nargs="+")
    args = parser.parse_args(argv)
    if "KUBECONFIG" not in os.environ:
        parser.error("set KUBECONFIG to the served snapshot's kubeconfig")
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

    started = time.monotonic()
    from holmes.config import Config
    from holmes.core.prompt import build_initial_ask_messages
    from holmes.core.tools import PrerequisiteCacheMode, ToolsetTag

    config = Config.load_from_file(None, api_key="sk-bench", model=args.model)
    config.api_base = args.api_base
    ai = config.create_toolcalling_llm(
        toolset_tag_filter=[ToolsetTag.CORE, ToolsetTag.CLI],
        enable_all_toolsets_possible=True,
        prerequisite_cache=PrerequisiteCacheMode.DISABLED,
    )
    enabled = sorted(t.name for t in ai.tool_executor.toolsets if t.status.value == "enabled")
    print(json.dumps({"setup_s": round(time.monotonic() - started, 2), "enabled_toolsets": enabled}), flush=True)
    for question in args.questions:
        messages = build_initial_ask_messages(question, None, ai.tool_executor, config.get_skill_catalog(), None)
        response = ai.call(messages)
        print(json.dumps({
            "question": question,
            "answer": response.result,
            "tool_calls": [{"tool": getattr(c, "tool_name", ""), "status": _status(c)}
                           for c in response.tool_calls or []],
        }, ensure_ascii=False), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
