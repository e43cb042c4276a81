"""Actor recognition: dictionary phrases composed into actors with country, sector and sponsor.

"Iran-backed militias in Iraq" -> country IRQ, sector REB, sponsor IRN; "Pentagon officials" ->
USA MIL; "Trump's administration" -> USA GOV (the role Trump held on the article's date).
A country or capital named after a locative preposition ("in Iraq") is kept but marked
`locative`: the coder uses it as a recipient only where a pattern allows that preposition.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass, replace

from ..model import ActorMention, Document, Sentence, Span
from ..pipeline import Config, Stage, register_stage
from ..text.tokens import Token, is_lowercase_text, is_modifier_word, tokenize
from .dictionary import ActorDictionary, Composition, Entry, load_actor_dictionary

MODIFIER_KINDS = ("person", "group", "metonym", "capital", "country", "demonym", "unknown")
HEAD_KINDS = ("agent", "operator")
PRIORITY = {k: i for i, k in enumerate(MODIFIER_KINDS + HEAD_KINDS)}


@dataclass(slots=True)
class Match:
    start: int  # token indexes, end exclusive
    end: int
    entry: Entry


def _case_ok(
    entry: Entry, toks: list[Token], lowercase_text: bool, function_words: frozenset[str]
) -> bool:
    if entry.kind in HEAD_KINDS:
        return True
    if entry.exact_case:
        letters = "".join(t.text for t in toks)
        return letters.upper() == letters or (lowercase_text and len(letters) > 3)
    if lowercase_text:
        return True
    return any(t.text[:1].isupper() for t in toks if t.lower not in function_words)


def find_matches(d: ActorDictionary, toks: list[Token], lowercase_text: bool) -> list[Match]:
    assert d.composition is not None
    function = d.composition.function_words
    keys = [t.lower for t in toks]
    out: list[Match] = []
    i = 0
    found = d.phrases_in(keys)  # the longest phrase at each index, from one automaton scan
    for start in sorted(found):
        if start < i:
            continue  # inside the phrase matched before
        length, entries = found[start]
        if _outgrown(found, keys, start, length, function):
            continue  # "the Syrian Observatory for Human Rights": the longer name wins
        toks_in = toks[start : start + length]
        ok = [e for e in entries if _case_ok(e, toks_in, lowercase_text, function)]
        if ok:
            out.append(Match(start, start + length, min(ok, key=lambda e: PRIORITY[e.kind])))
            i = start + length
    return out


def _outgrown(
    found: dict[int, tuple[int, list[Entry]]],
    keys: list[str],
    start: int,
    length: int,
    function: frozenset[str],
) -> bool:
    """A longer phrase starts after only function words of this one and ends beyond it."""
    for later in range(start + 1, start + length):
        if keys[later - 1] not in function:
            return False
        other = found.get(later)
        if other is not None and later + other[0] > start + length and other[0] > length:
            return True
    return False


class _Composer:
    """Walks the matches of one sentence and emits actor mentions."""

    def __init__(
        self,
        d: ActorDictionary,
        toks: list[Token],
        matches: list[Match],
        day: dt.date | None,
        text: str = "",
    ) -> None:
        assert d.composition is not None
        self.d, self.c = d, d.composition
        self.text = text  # the document text the token offsets point into
        self.toks, self.keys = toks, [t.lower for t in toks]
        self.matches, self.day = matches, day
        self.by_start = {m.start: k for k, m in enumerate(matches)}

    def country_sector(self, e: Entry) -> tuple[str | None, str | None]:
        if e.kind == "person":
            role = e.role_on(self.day)
            return (role.country, role.sector) if role else (None, None)
        return e.country, e.sector

    def _head_after(self, pos: int, c: Composition) -> int | None:
        """Index of a head match starting within `max_gap` plain words of token `pos`."""
        for gap in range(c.max_gap + 1):
            k = self.by_start.get(pos + gap)
            if k is not None:
                return k if self.matches[k].entry.kind in HEAD_KINDS else None
            if pos + gap >= len(self.toks):
                return None
            tok = self.toks[pos + gap]
            plain = (
                tok.text.isalpha()
                and not tok.text[:1].isupper()
                and tok.lower not in c.gap_breakers
            )
            if not (tok.text[:1].isdigit() or (plain and is_modifier_word(tok.lower))):
                return None  # "Russia deployed additional troops": a verb breaks the phrase
        return None

    def _shared_head(self, pos: int) -> str | None:
        """Sector of the head in 'X and <modifier> <head>', if that is what follows."""
        if pos >= len(self.toks) or self.keys[pos] not in ("and", "or"):
            return None
        k = self.by_start.get(pos + 1)
        if k is None or self.matches[k].entry.kind not in ("demonym", "country"):
            return None
        head = self._head_after(self.matches[k].end, self.c)
        return None if head is None else self._head_sector(head, None)[1]

    def _head_sector(self, first: int, modifier_sector: str | None) -> tuple[int, str | None]:
        """Consecutive heads ("militia leaders"): the first specific sector wins."""
        k, sector = first, None
        while True:
            e = self.matches[k].entry
            generic = self.toks[self.matches[k].start].lower in self.c.generic_heads
            if e.sector and sector is None and not generic:
                sector = e.sector
            nxt = self.by_start.get(self.matches[k].end)
            if nxt is None or self.matches[nxt].entry.kind not in HEAD_KINDS:
                break
            k = nxt
        return k, sector or modifier_sector or self.c.generic_default_sector

    def _place_after(self, pos: int) -> tuple[str | None, int]:
        """'militias in Iraq': the country of a place named right after a location preposition."""
        if pos < len(self.toks) and self.keys[pos] in self.c.location_preps:
            k = self.by_start.get(pos + 1)
            after = self.matches[k].end if k is not None else 0
            sponsored = (
                after + 1 < len(self.keys)
                and self.keys[after] == "-"
                and (self.keys[after + 1] in self.c.sponsor_words)
            )
            if (
                k is not None
                and self.matches[k].entry.kind in ("country", "capital")
                and not sponsored
            ):
                return self.matches[k].entry.country, k
        return None, -1

    def _locative(self, start: int) -> bool:
        j = start - 1
        if j >= 0 and self.keys[j] == "the":
            j -= 1
        return j >= 0 and self.keys[j] in self.c.locative_preps

    def mentions(self, sentence_index: int) -> list[ActorMention]:
        out: list[ActorMention] = []
        k = 0
        while k < len(self.matches):
            made = self._compose(k, sentence_index)
            if made is None:
                k += 1
                continue
            mention, k = made
            if mention is not None:
                out.append(self._coordinated_locative(out, mention))
        return out

    def _coordinated_locative(self, before: list[ActorMention], m: ActorMention) -> ActorMention:
        """'in Iraq and Afghanistan': a place joined to a locative place is locative too."""
        if m.locative or not before or not before[-1].locative or m.sector is not None:
            return m
        between = [t.lower for t in self.toks if before[-1].span.end <= t.start < m.span.start]
        if between and all(w in ("and", "or", ",", "the") for w in between):
            return replace(m, locative=True)
        return m

    def _compose(self, k: int, si: int) -> tuple[ActorMention | None, int] | None:
        m, c = self.matches[k], self.c
        e = m.entry
        pos, sponsor = m.end, None
        country, sector = self.country_sector(e)
        entries = [e.entry_id]
        if e.kind in MODIFIER_KINDS:
            hyphened = (
                self.keys[pos + 1] if pos + 1 < len(self.toks) and self.keys[pos] == "-" else None
            )
            if hyphened in c.leader_words:
                pos += 2  # "the Saudi-led coalition": the leader is the actor
            elif hyphened in c.sponsor_words:
                sponsor, country, pos = e.country or country, None, pos + 2
            elif pos < len(self.toks) and self.keys[pos] in c.sponsor_words:
                sponsor, country, pos = e.country or country, None, pos + 1
            possessive = pos < len(self.toks) and self.keys[pos] == "'s"
            head = self._head_after(pos + (1 if possessive else 0), c)
            if head is None:
                if sponsor or (possessive and e.kind == "capital"):
                    return None, k + 1  # "Iran-backed" alone, "Baghdad's airport"
                shared = self._shared_head(pos)
                if shared is not None and e.kind in ("demonym", "country"):
                    # "Indian and Chinese troops": the first modifier shares the head
                    return self._mention(
                        si,
                        m.start,
                        m.end,
                        None,
                        country,
                        shared,
                        None,
                        None,
                        [*entries, "shared-head"],
                    ), k + 1
                return self._standalone(k, si), k + 1
            last, head_sector = self._head_sector(head, sector if e.kind != "capital" else None)
            entries.append(self.matches[head].entry.entry_id)
            code = e.code if e.kind == "group" else None
            end = self.matches[last].end
            if country is None:
                country, place_k = self._place_after(end)
                if place_k >= 0:
                    end = self.matches[place_k].end
                    last = place_k
            return self._mention(
                si,
                m.start,
                end,
                code,
                country,
                head_sector,
                e.name if e.kind in ("group", "person", "unknown") else None,
                sponsor or e.sponsor,
                entries,
            ), last + 1
        # a bare head: "officials", "militias in Iraq"
        last, head_sector = self._head_sector(k, None)
        end = self.matches[last].end
        country, place_k = self._place_after(end)
        if place_k >= 0:
            end, last = self.matches[place_k].end, place_k
        return self._mention(
            si, m.start, end, None, country, head_sector, None, None, entries
        ), last + 1

    def _standalone(self, k: int, si: int) -> ActorMention | None:
        m = self.matches[k]
        e = m.entry
        country, sector = self.country_sector(e)
        code = e.code if e.kind == "group" else None
        mention = self._mention(
            si,
            m.start,
            m.end,
            code,
            country,
            sector,
            e.name if e.kind in ("group", "person", "unknown") else None,
            e.sponsor,
            [e.entry_id],
        )
        if e.kind in ("country", "capital", "metonym", "unknown") and (
            self._locative(m.start) or self._dateline(m)
        ):
            mention = replace(mention, locative=True)
        return mention

    def _dateline(self, m: Match) -> bool:
        """'BAGHDAD, Sept 4 (Agency) -': the place a story was filed from."""
        toks = self.toks[m.start : m.end]
        return (
            m.start == 0
            and all(t.text.isupper() for t in toks if t.text.isalpha())
            and m.end < len(self.toks)
            and self.keys[m.end] in (",", "-", "—", "–")
        )

    def _mention(
        self,
        si: int,
        start: int,
        end: int,
        code: str | None,
        country: str | None,
        sector: str | None,
        name: str | None,
        sponsor: str | None,
        entries: list[str],
    ) -> ActorMention:
        first, last = self.toks[start], self.toks[end - 1]
        code = code or f"{country or ''}{sector or ''}" or "UNK"
        if name is None:
            cname = self.d.countries.get(country or "", "")
            sname = self.d.sectors.get(sector or "", "")
            name = " ".join(p for p in (cname, sname) if p) or "unknown"
        return ActorMention(
            sentence_index=si,
            span=Span(first.start, last.end),
            text=self.text[first.start : last.end],
            code=code,
            country=country,
            sector=sector,
            name=name,
            sponsor=sponsor,
            entry="+".join(entries),
        )


def _nameish(word: str) -> bool:
    return (
        word[:1].isupper()
        and (word[0].isalpha() or any(c.isalpha() for c in word))  # the first letter decides
        and "'" not in word
    )


def find_unknown_names(d: ActorDictionary, toks: list[Token], matches: list[Match]) -> list[Match]:
    """Capitalized phrases the dictionary does not know: names of people, groups, agencies.

    Skipped: words in `not_names`, a lone capitalized word English knows ("Meanwhile",
    "Ice"), and title-case lines, where capitals say nothing.
    """
    assert d.composition is not None
    c = d.composition
    texts = [t.text for t in toks]
    # once per token (the loops below look again); a lowercase word needs no call
    nameish = [w[:1].isupper() and _nameish(w) for w in texts]
    titled = sum(nameish)
    if not titled:
        return []  # no capitalised word, no name
    words = sum(1 for w in texts if w.isalpha())
    if words and titled / words > 0.6:
        return []
    covered = {i for m in matches for i in range(m.start, m.end)}
    out: list[Match] = []
    i = 0
    while i < len(toks):
        if i in covered or not nameish[i] or toks[i].lower in c.not_names:
            i += 1
            continue
        j = i + 1
        while j < len(toks) and j not in covered:
            if nameish[j] and toks[j].lower not in c.not_names:
                j += 1
            elif (
                toks[j].lower in c.name_connectors
                and j + 1 < len(toks)
                and j + 1 not in covered
                and nameish[j + 1]
            ):
                j += 2
            else:
                break
        single = toks[i:j]
        if len(single) > 1 or not _common_word(single[0].lower):
            name = " ".join(t.text for t in single)
            out.append(Match(i, j, Entry("unknown", f"unknown:{name}", name)))
        i = j
    return out


@functools.lru_cache(maxsize=65536)
def _common_word(word: str) -> bool:
    from lemminflect import getAllLemmas

    return bool(getAllLemmas(word))


def recognize(
    d: ActorDictionary, text: str, sentence: Sentence, day: dt.date | None
) -> list[ActorMention]:
    toks = tokenize(text, sentence.span.start, sentence.span.end)
    lowercase = is_lowercase_text(sentence.span.text(text))
    matches = find_matches(d, toks, lowercase)
    if not lowercase:
        matches = sorted(matches + find_unknown_names(d, toks, matches), key=lambda m: m.start)
    if not matches:
        return []  # nothing to compose
    return _Composer(d, toks, matches, day, text).mentions(sentence.index)


def document_day(doc: Document, config: Config) -> dt.date | None:
    if doc.published:
        return doc.published
    return dt.date.fromisoformat(config.default_date) if config.default_date else None


@register_stage
class ActorsStage(Stage):
    name = "actors"
    requires = ("sentences",)
    assigns = ("actors",)

    _dictionary: ActorDictionary | None = None  # loaded where the stage runs, on first use

    def __call__(self, doc: Document) -> Document:
        if self._dictionary is None:
            self._dictionary = load_actor_dictionary(self.config)
        d = self._dictionary
        day = document_day(doc, self.config)
        found: list[ActorMention] = []
        for sentence in doc.sentences:
            found.extend(recognize(d, doc.text, sentence, day))
        return replace(doc, actors=tuple(with_context_country(found, d)))


def with_context_country(found: list[ActorMention], d: ActorDictionary) -> list[ActorMention]:
    """'the president', 'the army': a definite sector phrase takes the article's country.

    The article's country is the one most of its country-bearing mentions name, when it holds
    at least `context_share` of them; otherwise such mentions stay without a country.
    """
    assert d.composition is not None
    counts: dict[str, int] = {}
    for a in found:
        if a.country and not a.locative:
            counts[a.country] = counts.get(a.country, 0) + 1
    if not counts:
        return found
    country, n = max(counts.items(), key=lambda kv: kv[1])
    if n / sum(counts.values()) < d.composition.context_share:
        return found
    out = []
    for a in found:
        definite = a.text.split(" ", 1)[0].lower() in d.composition.definite_words
        if a.country is None and a.sector and definite and a.code == a.sector:
            a = replace(
                a,
                country=country,
                code=f"{country}{a.sector}",
                entry=f"{a.entry}+context:{country}",
            )
        out.append(a)
    return out
