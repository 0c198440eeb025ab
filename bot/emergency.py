"""Emergency words in free text, in English and Vietnamese: pure logic, no I/O, no logging.

`detect` says whether a message signals an emergency happening now (chest pain, trouble
breathing, signs of a stroke, heavy bleeding, loss of consciousness, a seizure, an overdose,
thoughts of suicide or self-harm, a severe allergic reaction, a child turning blue, ...), while
ordinary medical history ("stroke in 2019, fully recovered", "allergic to penicillin", "my father
had a heart attack years ago") does not raise the alarm.

How it reads a message:

* **Normalise.** Lowercase, drop apostrophes (``can't`` → ``cant``), split into words; each word
  keeps its plain form (Vietnamese diacritics stripped, ``đ`` → ``d``) and the set of diacritic
  marks it was typed with. Patterns are written with full diacritics; a typed word matches when
  its plain form matches and the marks it carries are a subset of the pattern's. So ``kho tho``,
  ``khó thơ`` and ``khó thở`` all match ``khó thở``, while ``tìm tài liệu`` (find documents) does
  not match ``tím tái`` (turning blue) and ``tư vấn`` (advice) does not match ``tự vẫn``.
* **Clauses.** Punctuation and conjunctions (and, but, while, nhưng, và ...) cut the text into
  clauses; guards look only inside the clause of a match, so in "stroke in 2019 and now my face
  is drooping" the year guards nothing that matters.
* **Patterns.** Word sequences with alternatives (``a|b``), prefixes (``breath*``), gaps (``~2``
  = up to two other words), words that must carry diacritics (``^tự``), words never matched
  fuzzily (``=dying``) and a word that must not follow (``!với``).
* **Typos.** A word of five letters or more matches at edit distance one (a letter added,
  dropped, changed, or two swapped): ``chset``, ``brethe``, ``unconcious``, ``siezure``.
* **Guards.** A negation just before the match (``no``, ``don't have``, ``không``, ``chưa`` with
  only filler words between) and, for most patterns, a past-history marker in the same clause
  (a year, "years ago", "history of", "recovered", "năm ngoái", "tiền sử", "đã khỏi" ...) cancel
  it. Thoughts of suicide or self-harm are never cancelled by a past marker.
* **Speed.** An index of each pattern's first word (exact words, stems, and one-deletion
  variants for typos) says where a pattern may start, so a 4096-character message takes a few
  milliseconds instead of trying every pattern at every word.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

__all__ = ["Detection", "detect", "is_emergency", "normalise"]

MAX_WORDS = 2000  # a Telegram message is at most 4096 characters; this is plenty
FUZZY_MIN_LEN = 5

_APOSTROPHES = re.compile(r"[\u0027\u2018\u2019\u02bc\u0060\u00b4]")
_CLAUSE_BREAK = re.compile(r"[.,;:!?\n\r()\[\]{}\"“”…|/\\]+")
_WORD = re.compile(r"[^\W_]+")
_STROKE_D = "\u0111"  # đ
_CONJUNCTIONS = frozenset({
    "and", "but", "then", "however", "although", "though", "whereas", "while", "except",
    "nhung", "va", "tuy",
})
# Words that may stand between a negation and what it negates ("I do not have any chest pain").
_FILLERS = frozenset({
    "have", "has", "had", "having", "any", "a", "an", "the", "feel", "feeling", "felt",
    "experience", "experienced", "experiencing", "get", "got", "getting", "sign", "signs",
    "symptom", "symptoms", "suffer", "suffering", "from", "been", "be", "is", "am", "are",
    "was", "were", "really", "currently", "longer", "more", "ever", "of", "history", "my", "me",
    "i", "he", "she", "they", "real", "serious", "there", "did", "do", "does",
    "bi", "co", "con", "thay", "cam", "giac", "hieu", "trieu", "chung", "nao", "gi",
    "them", "nua", "bao", "gio", "toi", "em", "minh", "tung", "hien", "tai", "y", "dinh",
    "nghi", "lan", "ai", "ca", "cho", "duoc", "bat", "ky", "la", "thi",
})
# Written with diacritics: "chưa" (not yet) is a negation, "chữa" (to treat) is not.
_NEGATION_WORDS = (
    "no", "not", "never", "without", "dont", "doesnt", "didnt", "isnt", "arent", "wasnt",
    "werent", "havent", "hasnt", "hadnt", "denies", "deny", "denied", "nor", "none", "neither",
    "không", "chưa", "chẳng", "hết", "ko", "k", "kg", "khg", "kh", "hok",
)
_NEGATION_WINDOW = 5

_PAST = re.compile(
    r"\b(?:"
    r"(?:19|20)\d\d"
    r"|(?:years?|yrs?|months?|weeks?|decades?) ago|long ago|years back"
    r"|last (?:year|month|summer|winter|spring|autumn|fall)"
    r"|for (?:many )?(?:years|months)"
    r"|history of|hx of|family history|in the past|used to|previous(?:ly)?|prior"
    r"|recovered|resolved|survivor|survived"
    r"|as a (?:child|kid|baby|teen|teenager|toddler)|when i was|in (?:my )?childhood"
    r"|went away|gone away|da het|het roi"
    r"|(?:father|mother|dad|mom|mum|grandfather|grandmother|grandma|grandpa|granny|uncle|aunt"
    r"|parents?|grandparents?) (?:had|died|passed)|died of|passed away"
    r"|tung bi|da tung|nam (?:ngoai|truoc)|thang truoc|cach day|truoc day|tien su"
    r"|da khoi|khoi benh|hoi phuc|hoi nho|luc nho|ngay xua|nhieu nam|da lau|qua doi|mat vi"
    r"|nam xua|hoi truoc|hoi do|luc truoc"
    r")\b")


# -- normalisation ----------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Word:
    base: str                 # lowercase, no diacritics, đ → d
    marks: frozenset[str]     # the diacritic marks it was typed with ("đ" counts as one)


def _split_word(raw: str) -> Word:
    marks: set[str] = set()
    out: list[str] = []
    for ch in unicodedata.normalize("NFD", raw):
        if unicodedata.combining(ch):
            marks.add(ch)
        elif ch == _STROKE_D:
            marks.add(_STROKE_D)
            out.append("d")
        else:
            out.append(ch)
    return Word("".join(out), frozenset(marks))


def normalise(text: str) -> str:
    """Lowercase, Vietnamese diacritics stripped (đ → d), apostrophes dropped, punctuation
    turned into spaces, spaces collapsed."""
    lowered = _APOSTROPHES.sub("", text.lower())
    return " ".join(_split_word(w).base for w in _WORD.findall(lowered))


def _clauses(text: str) -> list[list[Word]]:
    lowered = _APOSTROPHES.sub("", text.lower())
    clauses: list[list[Word]] = []
    count = 0
    for chunk in _CLAUSE_BREAK.split(lowered):
        current: list[Word] = []
        for raw in _WORD.findall(chunk):
            count += 1
            if count > MAX_WORDS:
                break
            word = _split_word(raw)
            if word.base in _CONJUNCTIONS:
                if current:
                    clauses.append(current)
                current = []
                continue
            if word.base == "not" and current and current[-1].base == "can":
                current[-1] = Word("cannot", frozenset())
                continue
            current.append(word)
        if current:
            clauses.append(current)
    return clauses


# -- edit distance ----------------------------------------------------------------------------

def _within_one(a: str, b: str) -> bool:
    """Optimal-string-alignment distance of at most one (a swap of neighbours counts once)."""
    if a == b:
        return True
    la, lb = len(a), len(b)
    if abs(la - lb) > 1:
        return False
    if la == lb:
        diff = [i for i in range(la) if a[i] != b[i]]
        if len(diff) == 1:
            return True
        return (len(diff) == 2 and diff[1] == diff[0] + 1
                and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]])
    if la > lb:
        a, b = b, a  # a is the shorter
    i = 0
    while i < len(a) and a[i] == b[i]:
        i += 1
    return a[i:] == b[i + 1:]


# -- patterns ---------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class _Alt:
    base: str
    marks: frozenset[str]
    prefix: bool = False
    exact: bool = False
    strict: bool = False     # the typed word must carry diacritics

    def matches(self, word: Word) -> bool:
        if not word.marks <= self.marks:
            return False
        if self.strict and not word.marks:
            return False
        if self.prefix:
            if word.base.startswith(self.base):
                return True
            n = len(self.base)
            if self.exact or n < FUZZY_MIN_LEN:
                return False
            return any(_within_one(word.base[:k], self.base) for k in (n - 1, n, n + 1)
                       if k <= len(word.base))
        if word.base == self.base:
            return True
        return (not self.exact and len(self.base) >= FUZZY_MIN_LEN
                and len(word.base) >= FUZZY_MIN_LEN - 1 and _within_one(word.base, self.base))


@dataclass(frozen=True, slots=True)
class _Slot:
    alts: tuple[_Alt, ...]
    gap: int = 0            # > 0: up to this many words of anything
    forbid_next: bool = False


@dataclass(frozen=True, slots=True)
class Rule:
    category: str
    source: str
    slots: tuple[_Slot, ...]
    past_guard: bool = True
    not_after: tuple[_Alt, ...] = ()   # the word before the match must not be one of these


def _alt(spec: str) -> _Alt:
    exact = spec.startswith("=")
    strict = spec.startswith("^")
    spec = spec.lstrip("=^")
    prefix = spec.endswith("*")
    word = _split_word(spec.rstrip("*"))
    return _Alt(word.base, word.marks, prefix=prefix, exact=exact, strict=strict)


def _compile(category: str, source: str, *, past_guard: bool = True) -> Rule:
    slots: list[_Slot] = []
    parts = source.split()
    not_after: tuple[_Alt, ...] = ()
    if parts[0].startswith("!"):
        not_after = tuple(_alt(a) for a in parts.pop(0)[1:].split("|"))
    for part in parts:
        if part.startswith("~"):
            slots.append(_Slot((), gap=int(part[1:])))
        elif part.startswith("!"):
            slots.append(_Slot(tuple(_alt(a) for a in part[1:].split("|")), forbid_next=True))
        else:
            slots.append(_Slot(tuple(_alt(a) for a in part.split("|"))))
    return Rule(category, source, tuple(slots), past_guard, not_after)


_NEGATIONS = tuple(_alt("=" + w) for w in _NEGATION_WORDS)


def _is_negation(word: Word) -> bool:
    return any(a.matches(word) for a in _NEGATIONS)


_EN_DEPENDENTS = "child|baby|son|daughter|kid|toddler|infant|newborn|boy|girl"

# category → patterns; "*" after a category name: past-history markers do not cancel.
_PATTERNS: dict[str, tuple[str, ...]] = {
    "chest_pain": (
        "chest ~1 pain*|hurt*|ache*|aching|tight*|pressure|squeez*|crush*|heavy|burning",
        "pain*|ache|pressure|tightness|squeezing|crushing ~3 chest",
        "crushing|squeezing|tight|heavy ~1 chest",
        "đau|tức|nặng|thắt|nhói ~1 ngực",
        "ngực ~1 đau|tức|thắt|nhói",
    ),
    "breathing": (
        "cant|cannot|couldnt|unable|hardly|barely ~2 breath*",
        "trouble|difficult*|struggl*|hard|problem|labored|laboured ~2 breath*",
        "short* ~1 of breath",
        "breath* ~2 hard|difficult|laboured|labored|stopped",
        "not|stopped|stops|isnt|wasnt|quit breath*",
        "gasping|suffocat*|=choking|=choked",
        "cant|cannot ~1 get ~1 air",
        "khó|tắc|ngạt|ngộp|ngợp thở",
        "không|ko|chẳng ~2 thở ~1 được|nổi",
        "không|ko|chẳng|hết thở !được|nổi|gấp|nhanh|mạnh|sâu|bằng|qua",
        "thở ~1 không|ko|chẳng ~1 được|nổi",
        "ngừng|ngưng thở !khi",
        "sặc ~1 sữa|nước|cháo|thức|đồ|bột",
        "bị|đang ^hóc",
        "^hóc xương|dị",
    ),
    "stroke": (
        "having|suffering ~1 stroke|strokes",
        "just ~1 had ~1 stroke",
        "=stroke ~1 now|symptoms|signs",
        "signs|symptoms ~2 stroke",
        "its|is|be|like ~1 a ~1 =stroke !risk|prevention|rehab*|recovery|unit|clinic",
        "face|mouth|smile ~3 droop*|dropping|sagging|crooked|uneven|numb",
        "droop* ~2 face|mouth|side",
        "slurr*",
        "speech ~2 slurr*|garbled|strange|weird",
        "sudden*|suddenly ~4 numb*|weak*|confus*|paraly*|blind|vision|dizz*|speak|talk",
        "numb*|weak*|paraly* ~4 one ~1 side",
        "one side ~3 numb*|weak*|paraly*|droop*",
        "cant|cannot ~1 lift|move|raise|feel ~2 arm|arms|leg|legs|side",
        "worst ~1 headache",
        "thunderclap headache",
        "đang|bị|dấu|triệu|nghi|lên|vừa ~2 đột quỵ",
        "đang|bị|dấu|triệu|nghi|lên|vừa ~2 tai biến",
        "méo ~2 miệng|mặt|môi",
        "miệng|mặt ~3 méo|lệch|xệ",
        "yếu|tê|liệt ~2 nửa ~1 người|mặt",
        "đột|bỗng|tự ~2 nói ~3 ngọng|khó|lắp|đớ",
        "nói ~1 không ~1 rõ ~1 chữ|lời",
        "đột ~1 ngột|nhiên ~3 yếu|tê|liệt|méo|mờ|lú",
        "đau đầu ~2 dữ dội",
        "đau đầu ~1 như ~1 búa|nổ|vỡ",
    ),
    "bleeding": (
        "heavy|heavily|severe|massive|profuse*|uncontroll*|excessive bleed*|hemorrhag*",
        "bleed* ~2 heavily|badly|profuse*|everywhere|alot|nonstop",
        "bleed* ~2 a ~1 lot",
        "bleed* ~2 so ~1 much|hard|bad",
        "wont|cant|doesnt|dont|not|cannot|isnt ~1 stop* ~2 bleed*",
        "bleed* ~3 wont|cant|doesnt|dont|not|cannot|isnt ~1 stop*",
        "lots|lot|pool|losing|lost ~2 of ~1 blood",
        "losing|lost ~1 blood",
        "blood everywhere",
        "vomit*|throwing|coughing|coughed|puking ~2 blood",
        "chảy|ra|mất ~1 máu ~1 nhiều|ồ|liên|dữ|quá",
        "chảy|ra|mất ~1 máu ~1 không ~1 cầm|ngừng|dừng|ngớt",
        "chảy|ra|mất ~1 nhiều|rất ~1 máu",
        "máu ~1 chảy|ra ~1 nhiều|ồ|liên|dữ|quá",
        "máu ~1 chảy|ra ~1 không ~1 cầm|ngừng|dừng|ngớt",
        "băng huyết",
        "nôn|ói|ho|mửa ~2 ra ~1 máu",
    ),
    "unconscious": (
        "unconscious*|unconcious*|unresponsive|=fainted",
        "passed|passing|blacked ~1 out",
        "=collapsed",
        "wont|isnt|not|cant|couldnt|cannot ~1 wak* ~1 him|her|them|mom|dad|my|baby",
        "wont|isnt|not ~1 waking|wake ~1 up",
        "loss|lost|losing ~2 consciousness",
        "bất|hôn ~1 tỉnh|mê",
        "bị|đang|lên|ngất ~1 ngất|xỉu !kết|quãng|lời|điện|mạng|nhịp",
        "xỉu ~1 đi|luôn",
        "ngất ~1 đi|luôn",
        "không|ko ~1 tỉnh ~1 dậy|lại",
        "gọi|lay ~2 không|ko ~1 tỉnh|dậy",
        "mất ~1 ý|tri ~1 thức|giác",
        "lịm đi",
    ),
    "seizure": (
        "seizure*|seizing|convuls*",
        "having ~1 a ~1 fit",
        "co giật",
        "lên ~2 cơn ~2 động|co|giật",
        "sùi bọt mép",
    ),
    "overdose": (
        "overdos*",
        "took|taken|swallowed ~4 too ~1 many|much ~3 pill*|tablet*|med*|drug*|sleeping"
        "|painkiller*|insulin|paracetamol|tylenol|ibuprofen|aspirin|opioid*",
        "took|taken|swallowed|ate|drank|drunk ~3 whole ~1 bottle|pack|box|packet",
        "took|taken|swallowed|ate|drank ~2 all ~2 pills|tablets|meds|medication|medicine",
        "swallowed|drank|drunk|ate ~2 bleach|poison|battery|batteries|detergent|pesticide",
        "!food poisoned|poisoning",
        "quá liều",
        "uống|nuốt ~2 cả|hết ~2 vỉ|lọ|hộp|chai|tuýp",
        "uống|nuốt ~2 thuốc ~1 trừ|diệt|chuột|sâu",
        "uống|nuốt|ăn nhầm",
        "ngộ độc !thực|thức",
        "nuốt ~2 pin|vật",
    ),
    "self_harm*": (
        "suicid*",
        "kill* ~1 myself",
        "end* ~1 my|it ~1 life|all",
        "take ~1 my ~1 own ~1 life",
        "want*|wanna ~2 to ~1 =die|=dead",
        "wanna =die",
        "dont|not ~2 want|wish ~2 to ~1 live|alive|exist",
        "better ~1 off ~1 dead",
        "self ~1 harm*|injur*",
        "harm* myself",
        "hurting|cutting|burning myself",
        "want*|wanna|going ~2 to ~1 hurt|harm|cut ~1 myself",
        "^tự ^tử",
        "muốn|định|nghĩ|đòi|ý ~2 tự ~1 tử|sát|^vẫn",
        "tự sát",
        "^tự ^vẫn",
        "muốn|thà ~2 chết",
        "không|ko|chẳng ~1 muốn ~1 sống",
        "chán sống",
        "kết liễu",
        "tự ~1 làm ~1 hại|đau|tổn",
        "tự ~1 hại|rạch|cắt ~2 bản|mình|tay|thân",
        "rạch ~1 tay|cổ",
        "cắt cổ tay",
        "nhảy lầu|cầu",
        "tự ~1 kết ~1 thúc ~2 đời|cuộc|sống",
    ),
    "allergy": (
        "anaphyla*",
        "severe|serious|bad|major ~2 allergic ~1 reaction",
        "allergic ~1 reaction ~2 now|throat|breath*|swell*",
        "throat|tongue|lips|lip|airway ~3 swell*|swollen|closing|tight*|closed",
        "swell*|swollen ~1 throat|tongue|airway",
        "epipen|epi ~1 pen",
        "sốc ~2 phản vệ",
        "phản vệ",
        "dị ~1 ứng ~2 nặng|nghiêm|nguy|cấp !với",
        "sưng|phù ~1 họng|lưỡi|thanh|môi",
        "họng|lưỡi ~2 sưng|phù",
    ),
    "cyanosis": (
        "turn*|going|gone|went|goes ~1 blue",
        "blue ~1 lips|face|skin|baby",
        "lips|face|skin|fingers ~3 blue|purple|grey|gray",
        "^tím ^tái",
        "bị|đang|người|bé|môi|mặt|da|con ~1 ^tím",
        "bị|người|bé|môi|mặt|da|tái ~1 tím ~1 tái|ngắt !liệu|khoản|chính|trợ|năng|sản|xế",
        "^môi ~2 tím",
        "môi ~2 ^tím",
        "^tím ~1 môi",
    ),
    "heart_attack": (
        "having|just ~2 heart attack",
        "heart attack ~1 now|symptoms|signs",
        "signs|symptoms ~2 heart attack",
        "its|is|be|like ~1 a ~1 heart attack",
        "cardiac arrest",
        "heart stopped",
        "lên|cơn ~1 đau tim",
        "đang|nghi|dấu|vừa|lên ~3 nhồi máu cơ tim",
        "ngừng tim",
        "tim ~1 ngừng ~1 đập",
    ),
    "general": (
        "=emergency ~1 now|help|please",
        "its|this|is ~2 =emergency",
        "medical =emergency",
        "call|need|get|send ~3 ambulance|911|115|paramedics",
        "ambulance",
        "=sos",
        "im|am|is ~1 =dying",
        "help me ~3 =dying",
        "cấp ~1 cứu ~1 gấp|ngay",
        "gọi|cần|xe|đưa|đi ~2 cấp cứu",
        "!nghiên|tra cứu ~1 với|tôi|em|con|mẹ|bố|ba|má|cháu|mình",
        "sắp|đang ~1 chết",
        "hấp hối",
    ),
}


@lru_cache(maxsize=1)
def rules() -> tuple[Rule, ...]:
    out: list[Rule] = []
    for category, sources in _PATTERNS.items():
        past_guard = not category.endswith("*")
        name = category.rstrip("*")
        out.extend(_compile(name, s, past_guard=past_guard) for s in sources)
    return tuple(out)


# -- matching ---------------------------------------------------------------------------------

def _match_from(slots: tuple[_Slot, ...], words: list[Word], i: int) -> int:
    """The end (exclusive) of a match of ``slots`` at ``words[i]``, or -1. A gap never skips
    a negation ("this is not an emergency")."""
    if not slots:
        return i
    slot, rest = slots[0], slots[1:]
    if slot.forbid_next:
        if i < len(words) and any(a.matches(words[i]) for a in slot.alts):
            return -1
        return _match_from(rest, words, i)
    if slot.gap:
        for skip in range(slot.gap + 1):
            if i + skip > len(words) or (skip and _is_negation(words[i + skip - 1])):
                break
            end = _match_from(rest, words, i + skip)
            if end >= 0:
                return end
        return -1
    if i < len(words) and any(a.matches(words[i]) for a in slot.alts):
        return _match_from(rest, words, i + 1)
    return -1


def _negated(words: list[Word], start: int) -> bool:
    """A negation just before ``start``, with only filler words between."""
    for k in range(start - 1, max(-1, start - 1 - _NEGATION_WINDOW), -1):
        if _is_negation(words[k]):
            return True
        if words[k].base not in _FILLERS:
            return False
    return False


def _deletions(text: str) -> set[str]:
    """The text and every string one deletion away: two strings within edit distance one
    (a swap included) always share one of these."""
    return {text, *(text[:i] + text[i + 1:] for i in range(len(text)))}


class _FirstWordIndex:
    """Which rules may start at which word, found by look-ups instead of trying all ~160 rules
    at every word: exact words and short stems by dictionary, fuzzy words and stems by their
    one-deletion variants. Candidates are then checked with the real matcher."""

    def __init__(self, all_rules: tuple[Rule, ...]) -> None:
        self.exact: dict[str, set[int]] = {}
        self.stems: dict[str, set[int]] = {}
        self.fuzzy: dict[str, set[int]] = {}
        self.fuzzy_stems: dict[str, set[int]] = {}
        self.stem_lengths: set[int] = set()
        for number, rule in enumerate(all_rules):
            for alt in rule.slots[0].alts:
                fuzzy = not alt.exact and len(alt.base) >= FUZZY_MIN_LEN
                if alt.prefix:
                    self.stems.setdefault(alt.base, set()).add(number)
                    if fuzzy:
                        self.stem_lengths.add(len(alt.base))
                        for variant in _deletions(alt.base):
                            self.fuzzy_stems.setdefault(variant, set()).add(number)
                else:
                    self.exact.setdefault(alt.base, set()).add(number)
                    if fuzzy:
                        for variant in _deletions(alt.base):
                            self.fuzzy.setdefault(variant, set()).add(number)

    def _candidates(self, base: str) -> set[int]:
        found: set[int] = set(self.exact.get(base, ()))
        for k in range(1, len(base) + 1):
            found |= self.stems.get(base[:k], set())
        if len(base) >= FUZZY_MIN_LEN - 1:
            for variant in _deletions(base):
                found |= self.fuzzy.get(variant, set())
        for n in self.stem_lengths:
            for k in (n - 1, n, n + 1):
                if k <= len(base):
                    for variant in _deletions(base[:k]):
                        found |= self.fuzzy_stems.get(variant, set())
        return found

    def starts(self, words: list[Word]) -> dict[int, list[int]]:
        """rule number → the word positions where its first word may match."""
        seen: dict[str, set[int]] = {}
        out: dict[int, list[int]] = {}
        for position, word in enumerate(words):
            candidates = seen.get(word.base)
            if candidates is None:
                candidates = seen[word.base] = self._candidates(word.base)
            for number in candidates:
                out.setdefault(number, []).append(position)
        return out


@lru_cache(maxsize=1)
def _first_word_index() -> _FirstWordIndex:
    return _FirstWordIndex(rules())


@dataclass(frozen=True, slots=True)
class Detection:
    category: str
    rule: str


def detect(text: str | None) -> Detection | None:
    """The first emergency signal in ``text``, or None."""
    if not text:
        return None
    index = _first_word_index()
    for words in _clauses(text):
        past = _PAST.search(" ".join(w.base for w in words)) is not None
        starts = index.starts(words)
        for number, rule in enumerate(rules()):
            if past and rule.past_guard:
                continue
            for start in starts.get(number, ()):
                if _match_from(rule.slots, words, start) < 0 or _negated(words, start):
                    continue
                if start and any(a.matches(words[start - 1]) for a in rule.not_after):
                    continue
                return Detection(rule.category, rule.source)
    return None


def is_emergency(text: str | None) -> bool:
    return detect(text) is not None
