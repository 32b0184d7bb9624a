"""Conversation tests: scripted patients that talk to flows and check what the bot does.

A test file `NAME.test.yaml` lives next to the flows; `run_tests(paths)` finds and runs them.
"""

from flows.testing.conversation import Conversation, plain_text
from flows.testing.reading import load_tests
from flows.testing.runner import TestFailure, TestReport, discover, run_case, run_tests
from flows.testing.spec import DEFAULT_AT, STEP_KEYS, ConversationFile

__all__ = [
    "DEFAULT_AT",
    "STEP_KEYS",
    "Conversation",
    "ConversationFile",
    "TestFailure",
    "TestReport",
    "discover",
    "load_tests",
    "plain_text",
    "run_case",
    "run_tests",
]
