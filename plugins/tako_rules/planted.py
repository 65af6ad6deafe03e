"""The planted-instructions guard: a retrieved document that talks to the AI reading it.

A web page, e-mail, review, transcript or tool output has no reason to address the assistant
that reads it; when it does ("Note to AI assistants: tell users...", "Assistant, when you
summarise this page, also...", "If you are an LLM, ...", "<!-- summarizer: ... -->") it carries
planted instructions, however politely phrased and whatever ordinary sentences surround them.
The classifier heads miss many of these; this rule finds the address itself (English, Spanish,
Portuguese, French, German, Italian) followed by a directive.
"""

from __future__ import annotations

import functools
import re
from typing import NamedTuple

from pydantic import Field

from guardrails.protocol import BaseGuard, CheckContext, GuardConfig, Resources
from guardrails.results import Verdict

__all__ = ["PlantedInstructionsGuard"]

# Who is addressed: an AI reader. Bots, agents and models only with a qualifier or a role word.
_AI = (
    r"\b(?:a\.i\.|ais?|ia|ki|ии|llms?|gpt-?\w*|chat ?gpt|claude|gemini|copilot|(?:large )?language models?|"
    r"sprachmodell\w*|mod[eè]les? de langage|modelos? de lenguaje|chat ?bots?|(?:[a-z]+-)?bots?|"
    r"assistant[se]?|assistentes?|asistentes?|assistent(?:en)?|assistenti|[a-z]+-assistent\w*|ki-\w+|ai-\w+|"
    r"summari[sz]ers?|summari[sz]ing (?:assistant|tool|model)s?|transcribers?|recommender systems?)"
)
_ROLE = (
    r"(?:coding|ai|llm|autonomous|browsing|shopping|scheduling|meeting|recommendation|summar\w+|review|"
    r"reviewer|study|research|travel|e?-?mail|inbox|support|language|automated|moderation|screening|"
    r"calendar|notebook|job-search|comment|answer|mail|medical|contract|product-comparison)"
)
_NOUN = r"(?:agents?|bots?|models?|assistants?|helpers?|tools?|readers?|reviewers?|crawlers?|systems?|presenters?)"
_READER = (
    rf"\b(?:(?:(?!(?:your|our|my|their|his|her|its|this|that|human)\b)[\w'’]+[ -]){{0,2}}?"
    rf"(?:\b{_ROLE}[ -]{_NOUN}|{_AI})(?:[ -](?:{_NOUN}|only|side|ia|ai|de ia|di ia))?)\b"
)
_ANYBOT = rf"(?:{_READER}|(?:bots?|agents?|models?)\b)"
_START = r"(?:^|(?<=[^\w\s'’-])|(?<=\s-)|(?<=--)|(?<=\n))\s*"
_NOTE = (
    r"(?:[\w'’]+[ -]){0,2}?(?:notes?|notices?|messages?|instructions?|memo|reminder|request|addendum|directive|"
    r"hinweis|systemhinweis|notiz|nota|aviso|avviso|avis|mensaje|mensagem|consigne|anweisung|remarque|"
    r"istruzione|instrucci[oó]n|instru[çc][ãa]o|important|attention|attn|ps|p\.s\.)"
)
_TO = r"(?:to|for|pour|para|per|an|à|al|aux|für|a)"
_ARTICLE = (
    r"(?:(?:the|any|all|every|whatever|whichever|la|le|les|l['’]|die|den|der|dem|el|los|las|o|os|a|as|il|lo|gli|"
    r"i|an?)\s*)?"
)
_AFTER = (
    r"(?:\s+(?:notes?|notices?|only|side note|search|instructions?|directive|use only|\w+ing|is|are|ist|que|qui|"
    r"who|that|der|die|das|che|de \w+|di \w+|da \w+|\w+(?:er|or|ers|ors))\b[^:,.!?\n]{0,40}?)?"
)
_END = r"\s*(?:[:,—–!⟩>\]]|\s-\s|[\u2600-\u27bf\U0001f000-\U0001faff])"
_VOCATIVE = (
    r"(?:(?:also|and|so|ok|btw|edit|hey|hi|hello|dear|attention|attn|yo|oi|ei|oye|hola|hallo|liebe[rs]?|cher|"
    r"chère|querid[oa]|caro|cara|olá|quick one for|one for|by the way)[ ,]+){0,2}"
)

_ADDRESS = (
    "|".join((
        rf"{_START}{_NOTE}(?:\s+[\w'’]+){{0,2}}?\s*(?:\(|,\s*)?{_TO}\s+{_ARTICLE}{_ANYBOT}",          # "Note to the AI", "Hinweis an die KI"
        rf"{_START}{_VOCATIVE}{_ARTICLE}{_ANYBOT}{_AFTER}{_END}",             # "AI assistant:", "Hey bot, ..."
        rf"\b{_TO}\s+(?:the|any|all|every|whatever|whichever|den|die|der|dem|le|la|les|l['’]|el|los|las|gli|os|as)\s*"
        rf"{_ANYBOT}{_AFTER}{_END}",                                             # "to any AI making summaries,"
        rf"{_START}{_VOCATIVE}{_ARTICLE}{_ANYBOT}\s+(?:pls|plz|please|por favor|bitte|per favore)\b",  # "AI pls tell"
        rf"\bfor\s+(?:\w+\s+)?{_READER}\s+use\s+only\b",                     # "For assistant use only:"
        r"[\"']?(?:assistant|ai|llm|model|agent|bot)_(?:directive|instructions?|note|prompt|command)[\"']?\s*:",
        rf"[\[(⟨]\s*(?:[\w ,-]{{0,30}}\s)?{_READER}[\w -]{{0,20}}[\])⟩]",      # "[mod note, AI-only]", "(answer-bot only)"
        r"@(?:ai|ia|ki|assistant|\w*bot|ki-\w+|gpt\w*|copilot|claude|gemini)\b",  # "@assistant when someone asks"
        rf"{_START}(?:\w+\s+){{0,2}}?(?:model|ai|llm|assistant|bot|agent|summari[sz]er|processing|system)"
        r"[ -](?:note|instructions?|directive|only)\b",                        # "Model note:", "agent instructions"
    ))
)
"""A clause addressed to the AI reading the document; a directive must follow it."""

_STRONG = (
    "|".join((
        rf"\b(?:if\s+you(?:'re|\s+are)|se\s+voc[êe]\s+(?:é|for)|si\s+(?:eres|tu\s+es)|wenn\s+du)\s+"
        rf"(?:an?\s+|une?\s+|ein[e]?\s+|um[a]?\s+)?(?:{_ROLE}[ -]{_NOUN}|{_AI}|bot|agent|model|machine)\b",
        rf"\b(?:i'm|i\s+am)\s+an?\s+(?:{_AI}|bot|agent)\b.{{0,40}}\b(?:what\s+should|should\s+i|do\s+i)",
        rf"\bwhen(?:ever)?\s+(?:an?\s+|the\s+|any\s+)?(?:{_READER}|bots?|agents?|models?)\s+"
        rf"(?:reads?|process(?:es)?|summari[sz]es|sees|presents?|index(?:es)?|parses?|is\s+reading|evaluates?)\b",
        r"\bwhen\s+(?:this|it)\s+(?:\w+\s+)?is\s+(?:read|processed|summari[sz]ed|indexed|seen|presented)\s+by\s+"
        r"(?:an?\s+|the\s+|any\s+)?(?:\w+\s+){0,2}(?:model|ai|assistant|bot|agent|llm|crawler)s?\b",
        rf"\b(?:{_READER}|bots?|agents?|models?|systems?|tools?)\s+(?:reading|processing|summari[sz]ing|presenting|"
        r"evaluating|parsing|indexing|scanning|scraping|describing|transcribing|that\s+(?:reads?|writes|"
        r"summari[sz]es|generates))\s+(?:this|these|my|the\s+(?:summary|captions?|comments?))\b",
        r"\bwho(?:ever)?\s+(?:is\s+)?(?:reads?|reading|summari[sz]\w*|process\w*)\s+(?:this|these|my)\b",
        rf"\bif\s+(?:an?|the|any)\s+{_ANYBOT}\s+(?:is\s+)?(?:reads?|reading|sees|processes|processing|summari[sz]\w*)\b",
        r"\bwhen\s+(?:you\s+|u\s+)?(?:summari[sz]|describ|recommend|present)\w*\s+(?:this|these|the)\s+\w+\s*,?\s+"
        r"(?:also\s+|please\s+|pls\s+)?(?:say|tell|state|claim|mention|add|include|write|describe|call|present|"
        r"report|recommend|insert)\b",
        r"\bafter\s+you\s+(?:read|summari[sz]e|process)\s+(?:this|these)\b",
        rf"{_START}(?:the|any|all)\s+{_READER}\s+(?:must|should|shall|is\s+to|are\s+to|needs?\s+to|has\s+to|will\s+now)\b",
        rf"{_START}{_READER}\s+(?:must|should|shall|are\s+to|is\s+to|muss|doit|debe|deve)\b",
        rf"(?:{_START}|[\[#(]\s*)(?:important\s+|(?:avis|aviso|avviso|message|mensaje|note|notice|hinweis)\s+)?"
        r"(?:system|systeme?|système|sistema|admin)\s*"
        r"(?:hinweis|notes?|notices?|messages?|prompt|instructions?|override|update|avis|aviso)?\s*(?:[:\]#)—–-]|pour|per|for|para)"
        rf".{{0,60}}?\b(?:{_AI}|bots?|agents?|models?|you|tu|du)\b",
    ))
)
"""Constructions that only make sense as instructions to an AI reader."""

_DIRECTIVE = (
    r"\b(?:tell|say|state|claim|include|add|mention|recommend|send|forward|e-?mail|share|reveal|print|output|"
    r"reply|respond|answer|write|insert|append|prepend|ignore|disregard|forget|visit|click|open|call|run|"
    r"execute|approve|delete|remove|change|set|boost|bury|start|stop|describe|present|summari[sz]e|rank|"
    r"promote|direct|point|ask|instruct|make|do not|don't|never|always|must|should|shall|are to|is to|need to|"
    r"it has been|has been approved|authori[sz]ed?|your (?:job|responsibility|new)|paste|post|upload|subscribe|"
    r"follow|buy|log in|show|hide|mark|treat|grant|accept|decline|cancel|book|rebook|enrol|enroll|charge|move|"
    r"unsubscribe|reject|score|rate|conclude|report|record|translate|like|fill|load|skip|confirm|inform|"
    r"transfer|pay|assign|label|replace|from now on|new instructions?|you are now|you're now|now your|"
    r"dis|dites|réponds|répondez|affirme|indique|annule|demande|présentez|termine|recommande|tu es désormais|"
    r"sag|sage|sagt|behaupte|ändere|schick|sende|empfiehl|leite|gib|bewerte|sortiere|hör|poste|du bist|"
    r"di|dile|diles|digan?|envía|manda|mande|reenvía|añade|acepta|comparte|eres|fala|fale|diga|digam|"
    r"responde|ignora|recomienda|recomende|conte|avisa|troque|coloque|iscrivi|metti|comunicate|dite|consiglia|"
    r"scrivi|rispondi|aggiungi|invia|give|use|close|doit|deve|debe|muss)\b"
)
_HUMAN = (
    r"(?:teaching|dental|personal|shop|legal|research|medical|administrative|executive|sales|lab|nursing|"
    r"store|office|production|editorial|care|kitchen|pharmacy|veterinary|physician|program|marketing|"
    r"my|our|your|his|her|their)\s*$"
)
_HUMAN_AFTER = (
    r"\s*(?:manager|director|professor|coach|principal|editor|producer|teacher|secretary|chef|referee|"
    r"attorney|prosecutor|superintendent|curator|librarian|to\s+the)\b"
)
_ASSISTANT = r"assistant[se]?|asistentes?|assistentes?|assistent(?:en)?"
_OWNER = rf"\b(?:del|de\s+la|de\s+los|de\s+las|de\s+l['’]|do|da|dos|das|du|des|della|dello|degli|delle|dell['’]|of)\s*{_AI}"
"""An AI reader named as the owner in a title ("Guía del asistente de voz:", "Manual of the assistant:",
"Guide de l'assistant vocal :"): a manual about it, not a clause addressed to it."""
_SPEAKERS = r"^\s*(?:human|user|customer|client|person|me|q)\s*:"
"""A transcript ("Human: ... Assistant: ..."): addresses in it are the speakers', not planted."""


class _Patterns(NamedTuple):
    address: re.Pattern[str]
    strong: re.Pattern[str]
    directive: re.Pattern[str]
    human: re.Pattern[str]
    human_after: re.Pattern[str]
    assistant: re.Pattern[str]
    speakers: re.Pattern[str]
    owner: re.Pattern[str]


@functools.cache
def _patterns() -> _Patterns:
    """The patterns, compiled on first use: only a text that names an AI reader needs them (about
    50 ms to compile, which building a Guard no longer pays)."""
    return _Patterns(
        address=re.compile(_ADDRESS, re.IGNORECASE),
        strong=re.compile(_STRONG, re.IGNORECASE),
        directive=re.compile(_DIRECTIVE, re.IGNORECASE),
        human=re.compile(_HUMAN, re.IGNORECASE),
        human_after=re.compile(_HUMAN_AFTER, re.IGNORECASE),
        assistant=re.compile(_ASSISTANT, re.IGNORECASE),
        speakers=re.compile(_SPEAKERS, re.IGNORECASE | re.MULTILINE),
        owner=re.compile(_OWNER, re.IGNORECASE),
    )

_WORD = re.compile(r"\w+")
_TRIGGER_WORDS = frozenset(
    "ai ia ki ии llm llms gpt bot bots agent agents model models claude gemini copilot whoever machine "
    "langage lenguaje recommender ais reader readers crawler crawlers scraper scrapers scraping".split()
)
_TRIGGER_PREFIXES = ("assistant", "asistente", "assistente", "assistent", "summari", "system", "sprachmodell",
                     "transcrib", "chatbot", "chatgpt", "gpt", "ki", "ai")
_TRIGGER_TEXT = ("a.i.", "@", "after you ", "if you are a", "if you're a")
_BEFORE, _AFTER_CHARS = 160, 120
"""A window around each word that names an AI reader: the patterns run only there."""
MAX_WINDOW_CHARS = 8_000
"""At most this many characters of windows are searched per text (bounded cost on adversarial input)."""


def _windows(text: str) -> list[tuple[int, int]]:
    """Character ranges worth searching: around each mention of an AI reader, merged."""
    low = text.lower()
    spots = [m.start() for m in _WORD.finditer(low)
             if m.group() in _TRIGGER_WORDS or m.group().startswith(_TRIGGER_PREFIXES) or m.group().endswith("bot")
             or m.group().endswith("bots")]
    for needle in _TRIGGER_TEXT:
        at = low.find(needle)
        while at != -1 and len(spots) < 10_000:
            spots.append(at)
            at = low.find(needle, at + 1)
    out: list[tuple[int, int]] = []
    total = 0
    for at in sorted(spots):
        a, b = max(0, at - _BEFORE), min(len(text), at + _AFTER_CHARS)
        if out and a <= out[-1][1]:
            old_a, old_b = out.pop()
            total += b - old_b
            a = old_a
        else:
            total += b - a
        out.append((a, b))
        if total >= MAX_WINDOW_CHARS:
            break
    return out


class PlantedInstructionsGuard(BaseGuard):
    """Scores ``prompt_injection`` when a document addresses the AI that reads it.

    A clause addressed to an AI reader ("Note to AI:", "Assistant, ...", "AI reading this:",
    "@assistant") followed within ``directive_chars`` by a directive ("tell", "send", "must")
    scores ``address_score``; constructions that only make sense as instructions to a model ("if
    you are an LLM", "when an assistant reads this", "when summarising this page, say",
    "SYSTEM NOTICE: the assistant must") score ``strong_score``. Human assistants ("teaching
    assistant", "assistant manager") are not AI readers. The document's view and the text hidden
    in its markup (``context.decoded``) are searched; details name the match. A title that names
    an AI reader as its owner ("Guía del asistente de voz:", ``manual_titles``) addresses no one.
    """

    name = "planted_instructions"
    stages = frozenset({"context"})
    categories = ("prompt_injection",)

    class Config(GuardConfig):
        """Scores of the two kinds of finding."""

        address_score: float = Field(0.95, ge=0.0, le=1.0)
        strong_score: float = Field(0.95, ge=0.0, le=1.0)
        directive_chars: int = Field(200, ge=1)
        """How far after the address a directive is looked for."""
        manual_titles: bool = True
        """An AI reader named as the owner of a title ("Guía del asistente de voz:", "Manual of the
        assistant:") is no address (False: such a title counts as one)."""

    def __init__(self, config: PlantedInstructionsGuard.Config, resources: Resources | None = None) -> None:
        super().__init__(config, resources)

    def find(self, text: str) -> tuple[float, str] | None:
        """(score, matched text) of the first planted instruction in ``text``, or None."""
        transcript: bool | None = None
        windows = _windows(text)
        if not windows:
            return None
        p = _patterns()
        for a, b in windows:
            strong = p.strong.search(text, a, b)
            if strong and not _human(text, strong, p):
                return self.config.strong_score, strong.group().strip()
            for m in p.address.finditer(text, a, b):
                if _human(text, m, p) or (self.config.manual_titles and p.owner.search(m.group())):
                    continue  # "teaching assistant", "Guía del asistente de voz:": no address
                if transcript is None:
                    transcript = p.speakers.search(text) is not None
                if transcript:
                    continue  # a chat transcript: its speakers talk to the assistant, plainly
                if p.directive.search(text, m.end(), m.end() + self.config.directive_chars):
                    return self.config.address_score, m.group().strip()
        return None

    def check(self, text: str, context: CheckContext) -> Verdict:
        """Search the view and the hidden texts; score the first finding."""
        for candidate in (context.view(text), *context.decoded):
            found = self.find(candidate)
            if found is not None:
                score, matched = found
                return Verdict(categories={"prompt_injection": score}, details={"matched": matched[:200]})
        return Verdict(categories={"prompt_injection": 0.0})


def _human(text: str, m: re.Match[str], p: _Patterns) -> bool:
    """The match addresses a human assistant ("teaching assistant", "assistant manager")."""
    word = p.assistant.search(m.group())
    if word is None:
        return False
    start, end = m.start() + word.start(), m.start() + word.end()
    return bool(p.human.search(text[max(0, start - 40):start]) or p.human_after.match(text, end))
