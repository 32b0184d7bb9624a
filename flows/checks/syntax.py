"""Parsing texts and expressions for the checker, with errors worded for researchers."""

from __future__ import annotations

from jinja2 import TemplateSyntaxError

from flows.checks.base import FlowFile
from flows.diagnostics import Diagnostic
from flows.expressions import Compiled, ExpressionError, check_expression, check_template
from flows.loader import NodePath


def template(source: str) -> Compiled:
    """Check a text template; ExpressionError when it does not parse or is not allowed."""
    try:
        return check_template(source)
    except TemplateSyntaxError as error:  # e.g. an unknown filter, found while listing variables
        raise ExpressionError(error.message or "template error", error.lineno) from None


def expression(source: str) -> Compiled:
    """Check a condition or computed value; ExpressionError when it does not parse."""
    try:
        return check_expression(source)
    except TemplateSyntaxError as error:
        raise ExpressionError(error.message or "expression error", error.lineno) from None


def _hint(message: str) -> str:
    # The checker wraps expressions in `( ... )`, so a cut-off one surfaces as a stray `)`.
    if message == "unexpected ')'":
        return ": it ends before it is complete"
    if "got '='" in message:
        return ": compare with `==` (one `=` is not allowed)"
    return ""


def text_problem(file: FlowFile, node: NodePath, error: ExpressionError) -> Diagnostic:
    """A template problem, at the line of the text where it is."""
    detail = str(error).removeprefix("template error: ")
    message = f"this text cannot be used: {detail} (write variables as `{{{{ name }}}}`)"
    if "not allowed" in detail:
        message = f"{detail}: texts may only show variables and use `{{% if %}}`"
    return file.at_text(node, error.line, message)


def expression_problem(file: FlowFile, node: NodePath, error: ExpressionError) -> Diagnostic:
    """An expression problem, at the line of the expression where it is."""
    detail = str(error).removeprefix("expression error: ")
    message = f"this expression does not parse: {detail}{_hint(detail)}"
    return file.at_text(node, error.line, message)
