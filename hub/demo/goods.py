"""The goods of the demo: real six-digit HS codes, typical values per kg, where they come from.

``norm_eur_kg`` is a typical customs value per kilogram (order of magnitude, for the
undervaluation pattern); ``document`` says which LPCO the goods need (phyto or veterinary
certificate, import licence) and so which agency issues it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Goods:
    hs: str
    description: str
    norm_eur_kg: float
    min_kg: int
    max_kg: int
    document: str  # '' | phyto_certificate | veterinary_certificate | import_licence
    origins: tuple[str, ...]
    weight: int = 1


def _g(hs: str, description: str, norm: float, min_kg: int,  # noqa: PLR0917  (a table row)
       max_kg: int, document: str, origins: str, weight: int = 1) -> Goods:
    return Goods(hs, description, norm, min_kg, max_kg, document, tuple(origins.split()), weight)


PHYTO, VET, LICENCE = "phyto_certificate", "veterinary_certificate", "import_licence"

GOODS: tuple[Goods, ...] = (
    _g("080810", "Fresh apples (Idared, Golden Delicious), class I, in cartons", 0.55,
       8_000, 22_000, PHYTO, "RS MK MD BA", 8),
    _g("080830", "Fresh pears, class I", 0.8, 6_000, 20_000, PHYTO, "RS BA", 2),
    _g("080930", "Fresh peaches and nectarines", 1.0, 6_000, 18_000, PHYTO, "GR MK", 3),
    _g("080929", "Fresh sweet cherries", 2.5, 3_000, 12_000, PHYTO, "RS MK", 2),
    _g("080940", "Fresh plums", 0.7, 6_000, 20_000, PHYTO, "RS BA MD", 2),
    _g("081120", "Frozen raspberries, without added sugar", 3.2, 10_000, 21_000, PHYTO,
       "RS BA", 5),
    _g("080232", "Walnuts, shelled", 6.5, 5_000, 18_000, PHYTO, "MD", 3),
    _g("070200", "Fresh tomatoes", 0.7, 8_000, 20_000, PHYTO, "AL MK", 5),
    _g("070960", "Fresh peppers of the genus Capsicum", 0.8, 6_000, 18_000, PHYTO, "MK AL", 3),
    _g("070190", "Potatoes, fresh, for consumption", 0.3, 15_000, 24_000, PHYTO, "RS BA", 2),
    _g("080610", "Fresh table grapes", 0.9, 6_000, 18_000, PHYTO, "MK MD", 2),
    _g("121190", "Dried sage and oregano, cut, for herbal tea", 3.0, 2_000, 10_000, PHYTO,
       "AL", 3),
    _g("440711", "Sawn pine wood, thickness over 6 mm", 0.35, 18_000, 25_000, PHYTO,
       "BA ME", 3),
    _g("220421", "Red wine in bottles of 0.75 l", 2.3, 5_000, 20_000, "", "MK MD ME RS", 3),
    _g("240120", "Oriental tobacco, partly or wholly stemmed", 4.5, 8_000, 18_000, "",
       "MK AL", 2),
    _g("240220", "Cigarettes containing tobacco", 35.0, 2_000, 9_000, "", "RS BA", 2),
    _g("040690", "Cheese, hard and semi-hard", 6.0, 3_000, 15_000, VET, "ME RS BA", 2),
    _g("020714", "Frozen chicken cuts and offal", 2.2, 10_000, 22_000, VET, "RS BA HU", 3),
    _g("040900", "Natural honey", 5.0, 5_000, 18_000, VET, "MD RS", 2),
    _g("151211", "Crude sunflower-seed oil", 1.1, 15_000, 24_000, "", "RS MD", 3),
    _g("170199", "White beet sugar", 0.6, 20_000, 24_000, "", "RS", 2),
    _g("190531", "Sweet biscuits", 2.5, 4_000, 14_000, "", "RS BA MK", 3),
    _g("720851", "Hot-rolled flat steel, not in coils, thickness over 10 mm", 0.75,
       20_000, 25_000, "", "RS MK", 5),
    _g("730890", "Structures and parts of structures of iron or steel", 1.5, 8_000, 22_000, "",
       "RS BA", 2),
    _g("870899", "Parts and accessories for motor vehicles", 8.0, 3_000, 14_000, "",
       "RS MK HU", 5),
    _g("870830", "Brake pads and brake discs for passenger cars", 6.0, 3_000, 12_000, "",
       "RS", 2),
    _g("854430", "Ignition and wiring harnesses for vehicles", 12.0, 2_000, 9_000, "",
       "MK RS MD", 5),
    _g("401110", "New pneumatic tyres for passenger cars", 3.5, 6_000, 12_000, "", "RS", 3),
    _g("610910", "T-shirts of cotton, knitted", 18.0, 1_000, 6_000, "", "MK AL RS", 3),
    _g("640399", "Footwear with leather uppers", 25.0, 1_000, 5_000, "", "AL BA", 3),
    _g("940360", "Wooden furniture for bedrooms and living rooms", 3.0, 4_000, 12_000, "",
       "BA RS", 3),
    _g("252329", "Portland cement, grey", 0.08, 22_000, 25_000, "", "BA RS ME", 2),
    _g("271019", "Gas oil (diesel) for engines", 0.9, 20_000, 30_000, "", "GR HR BG", 3),
    _g("300490", "Medicaments in measured doses, packaged for retail sale", 55.0, 500, 4_000,
       LICENCE, "RS HR HU BG", 3),
    _g("380891", "Insecticides, packaged for retail sale", 7.0, 2_000, 12_000, LICENCE,
       "HU RO GR HR", 2),
    _g("380893", "Herbicides, packaged for retail sale", 6.0, 2_000, 12_000, LICENCE,
       "HU RO GR", 2),
    _g("851713", "Smartphones", 220.0, 200, 2_000, "", "HU HR RO BG GR", 2),
    _g("630900", "Worn clothing and other worn articles", 0.8, 8_000, 20_000, "",
       "HR HU RO", 2),
    _g("720260", "Ferro-nickel", 2.4, 20_000, 25_000, "", "XK", 4),
    _g("740400", "Copper waste and scrap", 5.5, 10_000, 22_000, "", "XK RS BA", 2),
    _g("392321", "Sacks and bags of polymers of ethylene", 2.2, 3_000, 10_000, "",
       "XK MK RS", 3),
    _g("680221", "Worked marble and travertine, simply cut", 0.5, 20_000, 25_000, "",
       "XK AL", 2),
    _g("760110", "Unwrought aluminium, not alloyed", 2.3, 20_000, 25_000, "", "ME", 3),
    _g("261000", "Chromium ores and concentrates", 0.25, 22_000, 25_000, "", "AL", 3),
    _g("210690", "Food preparations not elsewhere specified", 3.0, 2_000, 10_000, "",
       "RS HR", 1),
    _g("732690", "Other articles of iron or steel", 2.5, 4_000, 15_000, "", "RS MK", 1),
    _g("382499", "Chemical products and preparations not elsewhere specified", 2.0,
       3_000, 12_000, "", "HU RO", 1),
    _g("851779", "Parts of telephone sets", 40.0, 200, 2_000, "", "HU HR", 1),
)

GOODS_BY_HS: Mapping[str, Goods] = {g.hs: g for g in GOODS}

MISDECLARATIONS: tuple[tuple[str, str], ...] = (
    ("240120", "240220"),  # cigarettes declared as raw tobacco
    ("732690", "870830"),  # brake parts declared as articles of steel
    ("382499", "380891"),  # insecticides declared as other chemicals (no licence)
    ("630900", "610910"),  # new T-shirts declared as worn clothing
    ("210690", "300490"),  # medicaments declared as food preparations (no licence)
    ("851779", "851713"),  # complete smartphones declared as parts
)
"""(declared HS, true HS): the goods description tells the truth, the code does not."""

PESTS: Mapping[str, tuple[str, ...]] = {
    "080810": ("Erwinia amylovora (fire blight)", "Cydia pomonella larvae"),
    "080830": ("Erwinia amylovora (fire blight)",),
    "080930": ("Grapholita molesta larvae",),
    "080929": ("Rhagoletis cerasi larvae",),
    "080940": ("Ceratitis capitata larvae",),
    "081120": ("Drosophila suzukii in sampled fruit",),
    "080232": ("Aflatoxin B1 above the maximum level",),
    "070200": ("Tuta absoluta larvae", "Tomato brown rugose fruit virus (ToBRFV)"),
    "070960": ("Thrips palmi", "Spodoptera frugiperda larvae"),
    "070190": ("Ralstonia solanacearum (brown rot)", "Clavibacter sepedonicus (ring rot)"),
    "080610": ("Lobesia botrana larvae",),
    "121190": ("Soil and undeclared plant material",),
    "440711": ("Wood packaging without ISPM 15 mark", "Monochamus larvae in bark"),
}
"""Harmful organisms and defects that phytosanitary inspectors intercept, by HS code."""

VET_FINDINGS = (
    "Salmonella spp. detected in samples",
    "Residues of veterinary medicines above the maximum residue limit",
    "Health certificate does not match the consignment",
)
