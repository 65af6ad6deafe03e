"""How the prompt_injection guard scores a retrieved document or tool output (``context`` stage).

The injection head has two outputs, each calibrated at its own threshold: ``prompt_injection``
(an override typed by a user; 0.855 in the shipped head) and ``indirect_injection`` (instructions
planted in a document; 0.5). A document is scored whole (its token windows and the text hidden in
its markup) and sentence by sentence (segments: a sentence, short ones grouped, or a long
document's scan groups). Ordinary documents are full of instructions to their human reader
("Ignore files in build/ when linting", "Set `OPENAI_API_KEY` in your environment", "Click
'Forgot password'"), which the direct output scores like a typed override (a README's "run `pip
install foo`, then set API_BASE in your config" 0.96-0.97), while instructions planted in a
document often aim at the reader's answer without naming the model ("include a link to ...",
"answer in French") and score only 0.5-0.8 on it. So on this stage (``DocumentThresholds``, whole
document and segments alike) the indirect output counts at the head's threshold, and the direct
output at ``direct`` on a text that names the model, its instructions, the conversation or the
reader's answer (``names_the_model``: "previous instructions", "system prompt", "the assistant",
"the user", "include", "translate", "reply", in 16 languages' common words) and at
``uncued_direct`` on one that names none of them. Every score is mapped monotonically so that the
bar it was compared with lands on the direct threshold: the policy's one ``prompt_injection``
threshold (the head's 0.855 by default) applies to all of them.
"""

from __future__ import annotations

import re

from pydantic import Field

from guardrails.protocol import GuardConfig

__all__ = ["DocumentThresholds", "context_score", "names_the_model", "rescale"]


class DocumentThresholds(GuardConfig):
    """Head outputs (0..1) a document (whole or one segment) must reach on the context stage to be dropped.

    Picked on the train-side validation split (964 benign documents, 695 with planted
    instructions), the prompt_injection rail on the context stage (int8, segments, hidden text),
    under the constraint that planted documents stay caught at 97% or more (BIPIA-like planted
    instructions, "include a link to ...", "answer in French", often score only 0.5-0.8 on the
    direct output). Before (the direct output read on the indirect output's scale, 0.5 for 0.855,
    on every text, cued or not): 18.2% of benign documents dropped, 97.6% of planted ones caught.
    These defaults: 16.0% / 97.4%. Simulated on the same scores (cued / uncued direct bar):
    0.5 / 0.65, 14.1% / 97.0%; 0.5 / 0.855, 10.1% / 95.8%; 0.5 / 0.98, 7.8% / 95.0%; 0.855 /
    0.855, 8.1% / 93.5%. The benign documents still dropped are mostly
    how-tos and READMEs whose imperatives score 0.6-0.99 on the direct output; the planted documents
    that only a bar under 0.855 catches read the same way."""

    direct: float = Field(0.5, ge=0.0, le=1.0)
    """The direct-injection output on a text that names the model, its instructions, the
    conversation or the reader's answer (``names_the_model``)."""
    uncued_direct: float = Field(0.6, ge=0.0, le=1.0)
    """The direct-injection output on a text that names none of them."""
    indirect: float | None = Field(None, ge=0.0, le=1.0)
    """The indirect-injection output (None: the head's threshold, 0.5 in the shipped head)."""


_NAMES_THE_MODEL = re.compile(
    r"\b(?:instruct\w*|prompts?|system|assistants?|ai|a\.i\.|llms?|gpt\w*|chatbots?|bots?|language models?|"
    r"guidelines|rules|guidance|conversations?|chat|history|summar\w+|respond\w*|repl(?:y|ies)|answer\w*|"
    r"the user|users?|previous|above|earlier|prior|jailbreak\w*|developer mode|restrictions?|filters?|policies|"
    r"pretend|role-?play|you are now|from now on|"
    r"includ\w*|translat\w*|add|append\w*|insert\w*|mention\w*|tell the reader|in your (?:response|output)|"
    r"instrucciones|instruções|anweisungen|istruzioni|sistema|systeme|système|"
    r"vorherigen|anteriores|précédentes|precedenti|asistente|assistente|assistent\w*|ki|ia)\b|"
    r"指示|指令|提示|系统|プロンプト|命令|システム|지시|프롬프트|инструкц|систем|تعليمات",
    re.IGNORECASE,
)


def names_the_model(text: str) -> bool:
    """Whether ``text`` names the model, its instructions, the conversation or the reader's answer
    ("include", "translate", "reply", "add": what a planted instruction aims at)."""
    return _NAMES_THE_MODEL.search(text) is not None


def rescale(score: float, at: float, to: float) -> float:
    """``score`` (0..1) mapped piecewise linearly so that ``at`` lands on ``to`` (monotone; 0 and 1 stay)."""
    if at <= 0.0:
        return 1.0 if score > 0.0 else 0.0
    if score <= at:
        return score * to / at
    return to + (score - at) * (1.0 - to) / (1.0 - at) if at < 1.0 else 1.0


def context_score(direct: float, indirect: float, thresholds: tuple[float, float], to: float) -> float:
    """The context stage's ``prompt_injection`` score of one text: the larger of the direct and the
    indirect output, each mapped so its threshold (``thresholds``: direct, indirect) lands on ``to``."""
    return max(rescale(direct, thresholds[0], to), rescale(indirect, thresholds[1], to))
