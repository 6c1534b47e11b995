"""The legal forms of companies in the CEFTA parties and neighbours, with the ways they are written.

Sources: the opensanctions/rigour ``org_types`` dictionary for the Serbian, Croatian, Albanian
and Moldovan forms; additions it lacks: Macedonian DOOEL/ДООЕЛ and ТП, the Kosovo forms I.B.,
G.P., L.P., L.L.C. (Kosovo business-registration practice), and SZR/STR/SUR sole-trader shops
(unverified, common in Serbian registers). Variants are written as people write them, in
either script; :mod:`hub.analysis.names` transliterates and folds them the same way as names.

``family`` groups forms that mean the same kind of company across languages (an Albanian
SH.P.K. and a Serbian D.O.O. are both limited-liability companies), so the matcher can tell
"the same form written differently" from "a different kind of company".
``strict`` forms are also ordinary words or numerals (PR, II, SA, OD...): they count only when
written with dots or for a party that uses them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class LegalForm:
    code: str
    family: str  # llc | jsc | sole | partnership | public | cooperative
    description: str
    variants: tuple[str, ...]
    parties: frozenset[str] = frozenset()
    strict: bool = False


_BALKAN = frozenset({"RS", "ME", "BA", "MK", "HR", "SI"})
_SERBO_CROATIAN = frozenset({"RS", "ME", "BA", "HR"})
_ALBANIAN = frozenset({"AL", "XK"})
_ROMANIAN = frozenset({"MD", "RO"})

LEGAL_FORMS: tuple[LegalForm, ...] = (
    LegalForm("DOO", "llc", "društvo s(a) ograničenom odgovornošću (limited liability company)", (
        "d.o.o.", "д.о.о.", "društvo sa ograničenom odgovornošću",
        "društvo s ograničenom odgovornošću", "друштво са ограниченом одговорношћу",
        "друштво с ограниченом одговорношћу", "društvo so ograničena odgovornost",
        "друштво со ограничена одговорност",
    ), _BALKAN),
    LegalForm("DOOEL", "llc", "single-member limited liability company (North Macedonia)", (
        "d.o.o.e.l.", "д.о.о.е.л.", "друштво со ограничена одговорност на едно лице",
        "društvo so ograničena odgovornost na edno lice",
    ), frozenset({"MK"})),
    LegalForm("AD", "jsc", "akcionarsko društvo (joint-stock company)", (
        "a.d.", "а.д.", "akcionarsko društvo", "акционарско друштво", "akciono društvo",
        "акционерско друштво", "akcionersko društvo",
    ), _BALKAN | {"BG"}),
    LegalForm("ADO", "jsc", "akcionarsko društvo za osiguranje (insurance joint-stock company)", (
        "a.d.o.", "а.д.о.",
    ), frozenset({"RS", "ME", "BA"})),
    LegalForm("DD", "jsc", "dioničko društvo (joint-stock company)", (
        "d.d.", "д.д.", "dioničko društvo", "dioničarsko društvo",
    ), frozenset({"BA", "HR", "SI"})),
    LegalForm("KD", "partnership", "komanditno društvo (limited partnership)", (
        "k.d.", "к.д.", "komanditno društvo", "командитно друштво",
    ), _BALKAN, strict=True),
    LegalForm("OD", "partnership", "ortačko društvo (general partnership)", (
        "o.d.", "о.д.", "ortačko društvo", "ортачко друштво",
    ), _SERBO_CROATIAN, strict=True),
    LegalForm("JTD", "partnership", "javno trgovsko društvo (general partnership, North Macedonia)",
              ("j.t.d.", "ј.т.д.", "javno trgovsko društvo", "јавно трговско друштво"),
              frozenset({"MK"})),
    LegalForm("PR", "sole", "preduzetnik (sole trader)", (
        "pr", "пр", "preduzetnik", "предузетник", "preduzetnica", "предузетница",
        "poduzetnik",
    ), frozenset({"RS", "ME", "BA"}), strict=True),
    LegalForm("SZR", "sole", "samostalna zanatska / trgovinska radnja (sole trader's shop)", (
        "s.z.r.", "с.з.р.", "s.t.r.", "с.т.р.", "s.u.r.", "с.у.р.",
        "samostalna zanatska radnja", "самостална занатска радња",
        "samostalna trgovinska radnja", "самостална трговинска радња",
        "samostalna ugostiteljska radnja",
    ), frozenset({"RS", "ME", "BA"}), strict=True),
    LegalForm("TP", "sole", "trgovec poedinec (sole trader, North Macedonia)", (
        "t.p.", "т.п.", "трговец поединец", "trgovec poedinec",
    ), frozenset({"MK"}), strict=True),
    LegalForm("JP", "public", "javno preduzeće (public enterprise)", (
        "j.p.", "ј.п.", "javno preduzeće", "јавно предузеће", "javno poduzeće",
        "javno pretprijatie", "јавно претпријатие",
    ), _BALKAN, strict=True),
    LegalForm("ZZ", "cooperative", "zemljoradnička zadruga (agricultural cooperative)", (
        "z.z.", "з.з.", "zemljoradnička zadruga", "земљорадничка задруга",
    ), _SERBO_CROATIAN, strict=True),
    LegalForm("SHPK", "llc", "shoqëri me përgjegjësi të kufizuar (limited liability company)", (
        "sh.p.k.", "шпк", "shoqëri me përgjegjësi të kufizuar",
        "shoqëria me përgjegjësi të kufizuar",
    ), _ALBANIAN),
    LegalForm("SHA", "jsc", "shoqëri aksionare (joint-stock company)", (
        "sh.a.", "shoqëri aksionare", "shoqëria aksionare",
    ), _ALBANIAN),
    LegalForm("SHK", "partnership", "shoqëri komandite / kolektive (partnership)", (
        "sh.k.", "shoqëri komandite", "shoqëri kolektive",
    ), _ALBANIAN, strict=True),
    LegalForm("PF", "sole", "person fizik (sole trader, Albania)", (
        "p.f.", "person fizik",
    ), _ALBANIAN, strict=True),
    LegalForm("IB", "sole", "biznes individual (individual business, Kosovo)", (
        "i.b.", "b.i.", "biznes individual", "biznesi individual",
    ), frozenset({"XK"}), strict=True),
    LegalForm("GP", "partnership", "ortakëri e përgjithshme (general partnership, Kosovo)", (
        "g.p.", "ortakëri e përgjithshme", "general partnership",
    ), frozenset({"XK"}), strict=True),
    LegalForm("LP", "partnership", "ortakëri e kufizuar (limited partnership, Kosovo)", (
        "l.p.", "ortakëri e kufizuar", "limited partnership",
    ), frozenset({"XK"}), strict=True),
    LegalForm("LLC", "llc", "limited liability company", (
        "l.l.c.", "limited liability company", "l.t.d. liability company",
    )),
    LegalForm("LTD", "llc", "limited (company)", ("ltd", "ltd.", "limited")),
    LegalForm("JSC", "jsc", "joint-stock company", (
        "j.s.c.", "joint stock company", "joint-stock company",
    )),
    LegalForm("SRL", "llc", "societate cu răspundere limitată (limited liability company)", (
        "s.r.l.", "societate cu răspundere limitată", "societatea cu răspundere limitată",
    ), _ROMANIAN),
    LegalForm("SA", "jsc", "societate pe acțiuni (joint-stock company)", (
        "s.a.", "societate pe acțiuni", "societatea pe acțiuni",
    ), _ROMANIAN | {"GR"}, strict=True),
    LegalForm("II", "sole", "întreprindere individuală (sole trader, Moldova)", (
        "i.i.", "întreprindere individuală", "întreprinderea individuală",
    ), frozenset({"MD"}), strict=True),
    LegalForm("OOO", "llc", "общество с ограниченной ответственностью (Russian-language LLC)", (
        "ооо", "o.o.o.", "общество с ограниченной ответственностью",
    ), frozenset({"MD"})),
    LegalForm("OOD", "llc", "дружество с ограничена отговорност (Bulgarian LLC)", (
        "оод", "ood", "еоод", "eood",
    ), frozenset({"BG"})),
    LegalForm("GMBH", "llc", "Gesellschaft mit beschränkter Haftung", ("gmbh", "g.m.b.h.")),
    LegalForm("AG", "jsc", "Aktiengesellschaft", ("a.g.",), strict=True),
    LegalForm("KFT", "llc", "korlátolt felelősségű társaság (Hungarian LLC)", ("kft", "kft.")),
    LegalForm("ZRT", "jsc", "zártkörűen működő részvénytársaság (Hungarian JSC)", ("zrt", "nyrt")),
)

FORMS_BY_CODE: Mapping[str, LegalForm] = {form.code: form for form in LEGAL_FORMS}
