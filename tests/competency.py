"""The competency questions in queries/ and the answer each one expects.

Answers are compared exactly: IRIs under our base as their path (``person/masja``), literals as
their lexical form. Columns built with GROUP_CONCAT (whose order SPARQL leaves open) are compared
as sorted tuples. Queries with ORDER BY are compared in order; the others as sets.
"""

from __future__ import annotations

from pathlib import Path

from pyoxigraph import Literal, NamedNode, QuerySolutions

from service.config import REPO_ROOT
from service.store.embedded.store import EmbeddedStore
from service.store.interface import QueryDataset

QUERIES = REPO_ROOT / "queries"
ID = "https://w3id.org/qantar/id/"
SEPARATED = {"statuses": ", ", "places": ", ", "rivals": " vs "}

Row = tuple[object, ...]

EXPECTED: dict[str, list[Row]] = {
    "01-offices-over-time": [
        ("person/kassym-jomart-tokayev", "Kassym-Jomart Tokayev", "President of Kazakhstan",
         "2019", ""),
        ("person/nursultan-nazarbayev", "Nursultan Nazarbayev", "President of Kazakhstan",
         "unknown", "2019"),
        ("person/vladimir-putin", "Vladimir Putin", "President of Russia", "unknown", ""),
        ("person/alikhan-smailov", "Alichan Smailov", "Prime Minister of Kazakhstan",
         "2022-01-03..2022-01-15", ""),
    ],
    "02-almaty-on-5-january": [
        ("event/arson-and-looting", "Arson, looting and toppled statues", "2022-01-02",
         "2022-01-15"),
        ("event/almaty-violence-night-4-5-january",
         "Violent protests in Almaty, night of 4 to 5 January 2022", "2022-01-04", "2022-01-05"),
        ("event/almaty-presidential-residence-burnt",
         "Burning of the presidential residence in Almaty", "2022-01-05", "2022-01-06"),
        ("event/almaty-peaceful-protest-5-january",
         "Peaceful protesters in Almaty, morning of 5 January 2022", "2022-01-05", "2022-01-05"),
        ("event/almaty-riots-5-6-january", "Riots in Almaty, night of 5 to 6 January 2022",
         "2022-01-05", "2022-01-06"),
        ("event/almaty-town-hall-stormed", "Storming of Almaty town hall", "2022-01-05",
         "2022-01-06"),
    ],
    "03-casualty-figures": [
        ("figure/government-injured", "injured", "2000", "exact", "Government of Kazakhstan",
         ("official figure",)),
        ("figure/government-killed", "killed", "146", "exact", "Government of Kazakhstan",
         ("official figure",)),
        ("figure/government-killed-police-officers", "police officers killed", "16", "exact",
         "Government of Kazakhstan", ("official figure",)),
        ("figure/car-occupants-killed", "killed", "4", "exact", "NRC", ("reported",)),
        ("figure/government-killed-children", "children killed", "3", "exact",
         "Government of Kazakhstan", ("official figure",)),
    ],
    "04-what-the-president-claimed": [
        ("claim/tokayev-coup-attempt", "Tokayev: the unrest was a coup attempt", "coup attempt",
         None, ("disputed", "official statement")),
        ("claim/tokayev-fight-to-the-end", "Tokayev: the battle must be fought to the end",
         "The battle must be fought to the end. Those who do not surrender will be destroyed.",
         None, ("official statement",)),
        ("claim/tokayev-foreign-terror-attack", "Tokayev: the unrest was a foreign terror attack",
         None, None, ("disputed", "official statement")),
        ("claim/tokayev-journalists-complicit",
         "Tokayev: journalists are complicit and incited the crowd",
         None, "Darchan Omirbek", ("reported",)),
        ("claim/tokayev-live-ammunition-warning", "Tokayev warns that live ammunition will be used",
         None, None, ("official statement",)),
    ],
    "05-who-works-for-rfe-rl": [
        ("person/darkhan-omirbek", "Darchan Omirbek", "Kazakh service of RFE/RL", "journalist"),
    ],
    "06-on-whose-decision-the-csto-force-came": [
        ("Vladimir Putin", "CSTO peacekeeping force in Kazakhstan",
         "CSTO", "Kazakhstan"),
    ],
    "07-unverified-statements": [
        ("claim/misja-many-dead", "Misja", "Misja: many dead, with bullet holes in their bodies"),
        ("claim/nrc-use-of-live-ammunition-unclear", "NRC",
         "NRC: to what extent live ammunition was used remains unclear"),
    ],
    "08-timeline": [
        ("event/fuel-price-increase", "Increase in fuel prices", None, None, "2022-01-02",
         "unknown", ("Kazakhstan",)),
        ("event/january-2022-unrest", "January 2022 unrest in Kazakhstan", "2022-01-02", None,
         None, "exact", ("Kazakhstan",)),
        ("event/fuel-price-protest-west",
         "Peaceful protest against higher fuel prices in western Kazakhstan", "2022-01-02", None,
         None, "exact", ("Western Kazakhstan",)),
        ("event/internet-shutdown", "Internet shutdown", None, "2022-01-02", "2022-01-03",
         "between", ("Kazakhstan",)),
        ("event/journalists-arrested", "Arrests of journalists", None, "2022-01-02", "2022-01-15",
         "between", ("Kazakhstan",)),
        ("event/arson-and-looting", "Arson, looting and toppled statues", None, "2022-01-02",
         "2022-01-15", "between", ("Almaty", "Kazakhstan")),
        ("event/car-of-masjas-acquaintance-shot",
         "Car of Masja's acquaintance under fire, four occupants killed", None, "2022-01-02",
         "2022-01-15", "unknown", ("Kazakhstan",)),
        ("event/girl-killed-in-car-almaty",
         "Four-year-old girl killed in a car under fire in Almaty", None, "2022-01-02",
         "2022-01-15", "unknown", ("Almaty",)),
        ("event/mass-arrests", "Mass arrests during the January 2022 unrest", None, "2022-01-02",
         "2022-01-15", "between", ("Kazakhstan",)),
        ("event/air-traffic-suspension", "Suspension of air traffic", None, "2022-01-02",
         "2022-01-15", "unknown", ("Kazakhstan",)),
        ("event/nationwide-street-protests", "Street protests in all seven district centers", None,
         "2022-01-02", None, "not before", ("Kazakhstan",)),
        ("event/arrest-of-nazarbayev-allies", "Arrest of Nazarbayev's allies", None, "2022-01-03",
         "2022-01-15", "between", ("Kazakhstan",)),
        ("event/omirbek-arrested", "Arrest of Darchan Omirbek", "2022-01-04", None, None, "exact",
         ("Nur-Sultan",)),
        ("event/omirbek-reports-from-nur-sultan",
         "Darchan Omirbek reports live from the Nur-Sultan protest", "2022-01-04", None, None,
         "exact", ("Centre of Nur-Sultan",)),
        ("event/nur-sultan-protest-4-january", "Protest in Nur-Sultan, 4 January 2022",
         "2022-01-04", None, None, "exact", ("Centre of Nur-Sultan", "Nur-Sultan")),
        ("event/nur-sultan-protest-dispersed", "Riot police disperse the Nur-Sultan protest",
         "2022-01-04", None, None, "exact", ("Nur-Sultan",)),
        ("event/almaty-violence-night-4-5-january",
         "Violent protests in Almaty, night of 4 to 5 January 2022", "2022-01-04", None, None,
         "exact", ("Almaty", "Centre of Almaty")),
        ("event/almaty-peaceful-protest-5-january",
         "Peaceful protesters in Almaty, morning of 5 January 2022", "2022-01-05", None, None,
         "exact", ("Almaty",)),
        ("event/almaty-riots-5-6-january", "Riots in Almaty, night of 5 to 6 January 2022",
         "2022-01-05", None, None, "exact", ("Almaty",)),
        ("event/almaty-presidential-residence-burnt",
         "Burning of the presidential residence in Almaty", None, "2022-01-05", "2022-01-06",
         "between", ("Presidential residence in Almaty",)),
        ("event/almaty-town-hall-stormed", "Storming of Almaty town hall", None, "2022-01-05",
         "2022-01-06", "between", ("Almaty town hall",)),
    ],
    "09-relations-between-tokayev-and-nazarbayev": [
        ("relation/nazarbayev-hands-power-to-tokayev", "succession",
         "Tokayev succeeds Nazarbayev as President of Kazakhstan (2019)"),
        ("relation/tokayev-nazarbayev-power-struggle", "rivalry",
         "Power struggle between Tokayev and Nazarbayev"),
        ("relation/tokayev-removes-nazarbayev", "removal",
         "Tokayev removes Nazarbayev from key positions"),
    ],
    "10-disputed-claims": [
        ("claim/zhovtis-doubts-official-story", "Yevgeny Zhovtis", "claim/tokayev-coup-attempt",
         "Kassym-Jomart Tokayev"),
        ("claim/zhovtis-doubts-official-story", "Yevgeny Zhovtis",
         "claim/tokayev-foreign-terror-attack", "Kassym-Jomart Tokayev"),
        ("figure/zhovtis-provocateur-share", "Yevgeny Zhovtis",
         "claim/tokayev-foreign-terror-attack", "Kassym-Jomart Tokayev"),
    ],
    "11-arrests": [
        ("10000", "at least", "NRC", "Mass arrests during the January 2022 unrest"),
    ],
    "12-participants-of-the-almaty-riots": [
        ("Riots in Almaty, night of 5 to 6 January 2022", "Masja", "witness"),
        ("Riots in Almaty, night of 5 to 6 January 2022", "Riot police of Kazakhstan",
         "security force"),
        ("Riots in Almaty, night of 5 to 6 January 2022", "Rioters in Almaty", "rioter"),
        ("Storming of Almaty town hall", "Rioters in Almaty", "rioter"),
    ],
    "13-parts-of-the-unrest": [("19",)],
    "14-causes-of-the-unrest": [
        ("January 2022 unrest in Kazakhstan", "Increase in fuel prices"),
        ("Peaceful protest against higher fuel prices in western Kazakhstan",
         "Increase in fuel prices"),
        ("Street protests in all seven district centers",
         "Peaceful protest against higher fuel prices in western Kazakhstan"),
    ],
    "15-what-zhovtis-estimates": [
        ("Zhovtis: about 20,000 protesters in Almaty", "20000", None, "approximately"),
        ("Zhovtis: provocateurs and armed groups maybe 15 percent", "15", "percent",
         "approximately"),
    ],
    "16-pseudonymous-witnesses": [
        ("person/masja", "Masja",
         "A twenty-something woman living in the center of Almaty, eyewitness of the violence of 4 "
         "to 6 January 2022; does not want her full name in the newspaper.", "7"),
        ("person/misja", "Misja",
         "Undertaker in Almaty, 33, who speaks to NRC anonymously through short audio messages; "
         "his Instagram account shows coffins. His account of many dead cannot be verified by NRC.",
         "1"),
    ],
    "17-arrested-journalists": [
        ("Darchan Omirbek", "Kazakh service of RFE/RL", "Arrest of Darchan Omirbek"),
        ("Darchan Omirbek", "Kazakh service of RFE/RL", "Arrests of journalists"),
    ],
    "18-appointments-and-removals": [
        ("appointment", "Kassym-Jomart Tokayev", "Alichan Smailov",
         "Prime Minister of Kazakhstan"),
        ("removal", "Kassym-Jomart Tokayev", "Nursultan Nazarbayev", None),
    ],
    "19-who-supervises-police-and-prisons": [
        ("Interior ministry of Kazakhstan", "Police of Kazakhstan"),
        ("Interior ministry of Kazakhstan", "Prison system of Kazakhstan"),
    ],
    "20-asylum": [("Mukhtar Ablyazov", "France", "2021")],
    "21-wikidata-links": [
        ("person/alikhan-smailov", "Alichan Smailov", "Q56825894"),
        ("place/almaty", "Almaty", "Q35493"),
        ("org/csto", "CSTO", "Q318693"),
        ("org/government-of-kazakhstan", "Government of Kazakhstan", "Q3814905"),
        ("person/kassym-jomart-tokayev", "Kassym-Jomart Tokayev", "Q200881"),
        ("place/kazakhstan", "Kazakhstan", "Q232"),
        ("place/nur-sultan", "Nur-Sultan", "Q1520"),
        ("office/president-of-kazakhstan", "President of Kazakhstan", "Q5256775"),
        ("office/prime-minister-of-kazakhstan", "Prime Minister of Kazakhstan", "Q2416315"),
        ("org/reuters", "Reuters", "Q130879"),
        ("place/russia", "Russia", "Q159"),
        ("person/vladimir-putin", "Vladimir Putin", "Q7747"),
    ],
    "22-claims-per-claimant": [
        ("person/yevgeny-zhovtis", "Yevgeny Zhovtis", "9"),
        ("person/masja", "Masja", "7"),
        ("org/nrc", "NRC", "7"),
        ("person/darkhan-omirbek", "Darchan Omirbek", "5"),
        ("person/kassym-jomart-tokayev", "Kassym-Jomart Tokayev", "5"),
        ("org/government-of-kazakhstan", "Government of Kazakhstan", "4"),
        ("person/misja", "Misja", "1"),
        ("person/mukhtar-ablyazov", "Mukhtar Ablyazov", "1"),
        ("person/vladimir-putin", "Vladimir Putin", "1"),
    ],
    "23-eyewitness-quotes-from-almaty": [
        ("Masja", "I first saw protesters on the street. Lots of men and a few women, they were "
                  "quiet and peaceful. I did see traces of the nighttime violence, but "
                  "otherwise it was quiet."),
        ("Masja", "The internet had already been shut down for two days, there were police "
                  "everywhere and I had trouble getting to work"),
        ("Masja", "There was a lot of blood on the cobblestones, empty bottles were everywhere and "
                  "liquor stores had been looted."),
        ("Masja", "We heard explosions and shots."),
        ("Misja", "It was terrible, people have died, children. The police had no chance against "
                  "the masses. People were scared and panicked."),
    ],
    "24-what-happened-in-nur-sultan": [
        ("event/omirbek-arrested", "Arrest of Darchan Omirbek", "2022-01-04"),
        ("event/omirbek-reports-from-nur-sultan",
         "Darchan Omirbek reports live from the Nur-Sultan protest", "2022-01-04"),
        ("event/nur-sultan-protest-4-january", "Protest in Nur-Sultan, 4 January 2022",
         "2022-01-04"),
        ("event/nur-sultan-protest-dispersed", "Riot police disperse the Nur-Sultan protest",
         "2022-01-04"),
    ],
    "25-power-struggles": [
        ("Mukhtar Ablyazov at odds with the government of Kazakhstan",
         ("Government of Kazakhstan", "Mukhtar Ablyazov"), None),
        ("Power struggle between Tokayev and Nazarbayev",
         ("Kassym-Jomart Tokayev", "Nursultan Nazarbayev"), "Kassym-Jomart Tokayev"),
    ],
    "26-internet-shutdown": [
        ("Government of Kazakhstan", "2022-01-02", "2022-01-03", "2022-01-15"),
    ],
    "27-stated-ages": [
        ("Nursultan Nazarbayev", "81"),
        ("Yevgeny Zhovtis", "66"),
        ("Misja", "33"),
        ("Darchan Omirbek", "31"),
    ],
    "28-names-in-russian-and-kazakh": [
        ("Alichan Smailov", "Алихан Смаилов", "Әлихан Смайылов"),
        ("Darchan Omirbek", "Дархан Омирбек", "Дархан Өмірбек"),
        ("Kassym-Jomart Tokayev", "Касым-Жомарт Токаев", "Қасым-Жомарт Тоқаев"),
        ("Mukhtar Ablyazov", "Мухтар Аблязов", "Мұхтар Әблязов"),
        ("Nursultan Nazarbayev", "Нурсултан Назарбаев", "Нұрсұлтан Назарбаев"),
        ("Pavel Mikheyev", "Павел Михеев", None),
        ("Vladimir Putin", "Владимир Путин", "Владимир Путин"),
        ("Yevgeny Zhovtis", "Евгений Жовтис", None),
    ],
    "29-editorial-readings": [
        ("claim/ablyazov-leader-of-protests",), ("claim/masja-boys-with-police-shields",),
        ("claim/masja-explosions-and-shots",), ("claim/masja-havoc-on-6-january",),
        ("claim/masja-internet-down-police-everywhere",), ("claim/masja-protesters-peaceful",),
        ("claim/masja-shooters-were-not-police",), ("claim/nrc-power-struggle-favours-tokayev",),
        ("claim/nrc-prison-conditions",), ("claim/omirbek-crowd-dispersed",),
        ("claim/putin-foreign-interference",), ("claim/tokayev-coup-attempt",),
        ("claim/tokayev-fight-to-the-end",), ("claim/tokayev-foreign-terror-attack",),
        ("claim/tokayev-journalists-complicit",), ("claim/tokayev-live-ammunition-warning",),
        ("claim/zhovtis-channels-blocked",), ("claim/zhovtis-doubts-official-story",),
        ("claim/zhovtis-no-information-on-detainees",), ("claim/zhovtis-popular-anger",),
        ("claim/zhovtis-riot-police-started-shooting",), ("event/air-traffic-suspension",),
        ("event/almaty-peaceful-protest-5-january",),
        ("event/almaty-presidential-residence-burnt",), ("event/almaty-riots-5-6-january",),
        ("event/almaty-town-hall-stormed",), ("event/almaty-violence-night-4-5-january",),
        ("event/arrest-of-nazarbayev-allies",), ("event/arson-and-looting",),
        ("event/car-of-masjas-acquaintance-shot",), ("event/fuel-price-increase",),
        ("event/fuel-price-protest-west",), ("event/girl-killed-in-car-almaty",),
        ("event/internet-shutdown",), ("event/january-2022-unrest",),
        ("event/journalists-arrested",), ("event/mass-arrests",),
        ("event/nationwide-street-protests",), ("event/nur-sultan-protest-4-january",),
        ("event/nur-sultan-protest-dispersed",), ("event/omirbek-arrested",),
        ("event/omirbek-reports-from-nur-sultan",), ("figure/car-occupants-killed",),
        ("figure/zhovtis-provocateur-share",), ("office/president-of-kazakhstan",),
        ("office/president-of-russia",), ("office/prime-minister-of-kazakhstan",),
        ("org/international-bureau-for-human-rights",), ("org/reuters",),
        ("org/rfe-rl-kazakh-service",), ("person/alikhan-smailov",), ("person/darkhan-omirbek",),
        ("place/almaty-town-hall",), ("place/nur-sultan",),
        ("relation/france-grants-asylum-to-ablyazov",), ("relation/omirbek-works-for-rfe-rl",),
        ("relation/putin-sends-csto-force",), ("relation/smailov-prime-minister",),
        ("relation/tokayev-appoints-smailov",), ("relation/tokayev-nazarbayev-power-struggle",),
        ("relation/tokayev-removes-nazarbayev",),
    ],
    "30-claims-about-the-police": [
        ("Masja", "Masja: the shooters were radicals; she refuses to believe it was the police"),
        ("Yevgeny Zhovtis",
         "According to Zhovtis: a hard core clashed with the riot police, who started shooting"),
    ],
}

QUERY_FILES = sorted(QUERIES.glob("*.rq"))


def plain(variable: str, term: object) -> object:
    """A term as the expectations write it: our IRIs as paths, literals as lexical forms."""
    if term is None:
        return None
    if isinstance(term, NamedNode):
        return term.value.removeprefix(ID)
    if isinstance(term, Literal):
        if variable in SEPARATED:
            return tuple(sorted(term.value.split(SEPARATED[variable])))
        return term.value
    raise AssertionError(f"unexpected term {term!r}")


def rows_of(solutions: object) -> list[Row]:
    assert isinstance(solutions, QuerySolutions)
    variables = [v.value for v in solutions.variables]
    return [tuple(plain(v, solution[v]) for v in variables) for solution in solutions]


def answer(store: EmbeddedStore, path: Path) -> list[Row]:
    """The answer as `qantar query` gives it (EmbeddedStore.answer)."""
    return rows_of(store.query(path.read_text(encoding="utf-8"), QueryDataset.ENDPOINT))


def assert_expected(path: Path, rows: list[Row]) -> None:
    expected = EXPECTED[path.stem]
    if path.stem == "29-editorial-readings":  # each entity once, however many notes it has
        rows = list(dict.fromkeys(row[:1] for row in rows))
    if "ORDER BY" in path.read_text(encoding="utf-8"):
        assert rows == expected
    else:
        assert sorted(rows, key=repr) == sorted(expected, key=repr)
