"""The demo's constant tables, from the two source texts: the communities each names with
their KATOTTH codes and status, the organisations, the communities' coordinates, the targets,
the texts the demo records carry, and the demo accounts."""

from dataclasses import dataclass

from accounts.models import Role
from communities.models import Community

DEMO_PASSWORD = "cohesion-demo"
FRAMEWORK = (
    "UN Recovery and Peacebuilding Programme / Програма ООН із відновлення та розбудови миру"
)


# (KATOTTH code, status, note) for the communities each text names. Novohrad-Volynska was
# renamed Zviahelska in 2022; the codifier carries the new name.
ZHYTOMYR_COMMUNITIES = [
    ("UA18080010000090720", "accessible", ""),  # Baranivka
    ("UA18040070000059677", "accessible", ""),  # Vysokivska
    ("UA18040190000029215", "accessible", ""),  # Zhytomyr
    ("UA18040330000027310", "accessible", ""),  # Novoborivska
    ("UA18080150000022496", "accessible", "До 2022 року — Новоград-Волинська"),  # Zviahelska
    ("UA18020150000084693", "accessible", ""),  # Semenivska
    ("UA18020170000036711", "accessible", ""),  # Chervonenska
]
CHORNOBAIVKA = "UA65100170000014054"
# The 2021 network in the Pryazovia communities whose work ceased under occupation in 2022.
PRYAZOVIA_COMMUNITIES = [
    ("UA65040010000061104", "occupied", ""),  # Henichesk
    ("UA65040030000056170", "occupied", ""),  # Ivanivka
    ("UA65040070000086673", "occupied", ""),  # Novotroitske
]
# Approximate centres of the demo communities, for the dashboard's map.
COORDINATES = {
    "UA18080010000090720": (50.3005, 27.6647),  # Baranivka
    "UA18040070000059677": (50.3566, 28.4870),  # Vysoka Pich
    "UA18040190000029215": (50.2547, 28.6587),  # Zhytomyr
    "UA18040330000027310": (50.6905, 28.6418),  # Nova Borova
    "UA18080150000022496": (50.5886, 27.6166),  # Zviahel
    "UA18020150000084693": (49.9760, 28.9560),  # Semenivka
    "UA18020170000036711": (50.0650, 29.0000),  # Chervone
    "UA65020150000047137": (47.4936, 33.9151),  # Novovorontsovka
    "UA65020070000029027": (47.4846, 33.5293),  # Vysokopillia
    "UA65020110000081240": (47.3700, 33.6600),  # Kochubeivka
    "UA65100170000014054": (46.6969, 32.5491),  # Chornobaivka
    "UA65100010000048953": (46.6331, 32.4304),  # Bilozerka
    "UA65100130000084882": (46.5700, 32.1400),  # Stanislav
    "UA65040010000061104": (46.1690, 34.8020),  # Henichesk
    "UA65040030000056170": (46.9700, 34.5500),  # Ivanivka
    "UA65040070000086673": (46.3530, 34.3330),  # Novotroitske
}
# Programme targets for the dashboards (over each programme's whole period).
PROGRAMME_TARGETS = {
    "groups_established": 7, "groups_active": 7, "meetings_held": 100, "compliance_rate": 90,
    "participants": 150, "women_share": 50, "youth_share": 25, "plans_approved": 7,
    "plan_actions_done": 30, "trainings": 3, "exchange_visits": 2, "event_participants": 60,
    "youth_leaders_supported": 7, "veteran_orgs_engaged": 4, "needs_assessments": 3,
}  # fmt: skip
# The tracking table (IPTT) of the Zhytomyr programme: baselines, and targets per quarter.
PROGRAMME_BASELINES = {"groups_established": 0, "meetings_held": 0, "plans_approved": 0}
QUARTER_TARGETS = {"meetings_held": 18, "trainings": 1}
DEMO_TARGETS = {"women_share": 40, "youth_share": 20, "veterans": 1, "idps": 1}
CONSENT_PURPOSE = (
    "Участь у робочій групі; знеособлена звітність перед донором / Taking part in the working "
    "group; anonymised reporting to the donor"
)
TERMS_OF_REFERENCE = (
    "Робоча група є відкритим діалоговим майданчиком і консультативно-дорадчим органом при "
    "органі місцевого самоврядування. Вона об'єднує представників влади, поліції, ДСНС, "
    "громадських організацій, вразливих груп, ветеранів і молоді для спільного розв'язання "
    "питань соціальної згуртованості та громадської безпеки. Засідання проводяться щомісяця."
)
KHERSON_COMMUNITIES = [
    ("UA65020150000047137", "deoccupied", ""),  # Novovorontsovka
    ("UA65020070000029027", "deoccupied", ""),  # Vysokopillia
    ("UA65020110000081240", "deoccupied", ""),  # Kochubeivka
    ("UA65100170000014054", "frontline", ""),  # Chornobaivka
    ("UA65100010000048953", "frontline", ""),  # Bilozerka
    ("UA65100130000084882", "frontline", ""),  # Stanislav
]

ORGANISATIONS = {
    "modern_format": ("ГО «Сучасний формат»", 'NGO "Modern Format"', "implementing_partner"),
    "union": ("Фонд «Єднання»", '"Union" Foundation', "implementing_partner"),
    "netherlands": ("Королівство Нідерландів", "Kingdom of the Netherlands", "donor"),
    "denmark": ("Уряд Данії", "Government of Denmark", "donor"),
    "undp": (
        "Програма розвитку ООН (ПРООН)",
        "United Nations Development Programme (UNDP)",
        "un_agency",
    ),
    "un_women": ("Структура ООН Жінки", "UN Women", "un_agency"),
    "unfpa": (
        "Фонд ООН у галузі народонаселення (UNFPA)",
        "United Nations Population Fund (UNFPA)",
        "un_agency",
    ),
    "fao": (
        "Продовольча та сільськогосподарська організація ООН (ФАО)",
        "Food and Agriculture Organization of the United Nations (FAO)",
        "un_agency",
    ),
    "eu": ("Європейський Союз", "European Union", "donor"),
    "eib": ("Європейський інвестиційний банк", "European Investment Bank", "donor"),
    "us_embassy": ("Посольство США в Україні", "US Embassy in Ukraine", "donor"),
    "canada": ("Уряд Канади", "Government of Canada", "donor"),
    "germany": ("Уряд Німеччини", "Government of Germany", "donor"),
    "poland": ("Уряд Польщі", "Government of Poland", "donor"),
    "switzerland": ("Уряд Швейцарії", "Government of Switzerland", "donor"),
    "sweden": ("Уряд Швеції", "Government of Sweden", "donor"),
    "japan": ("Уряд Японії", "Government of Japan", "donor"),
    "police_zt": (
        "ГУНП в Житомирській області",
        "Main Police Department in Zhytomyr Oblast",
        "police",
    ),
    "ses_zt": (
        "ГУ ДСНС у Житомирській області",
        "State Emergency Service Department in Zhytomyr Oblast",
        "ses",
    ),
    "police_ks": (
        "ГУНП в Херсонській області",
        "Main Police Department in Kherson Oblast",
        "police",
    ),
    "ses_ks": (
        "ГУ ДСНС у Херсонській області",
        "State Emergency Service Department in Kherson Oblast",
        "ses",
    ),
}

COUNCIL_WORD = {
    Community.Kind.URBAN: ("міська рада", "city council"),
    Community.Kind.SETTLEMENT: ("селищна рада", "settlement council"),
    Community.Kind.RURAL: ("сільська рада", "village council"),
}
ADMINISTRATION_WORD = {
    Community.Kind.URBAN: ("міська військова адміністрація", "city military administration"),
    Community.Kind.SETTLEMENT: (
        "селищна військова адміністрація",
        "settlement military administration",
    ),
    Community.Kind.RURAL: ("сільська військова адміністрація", "village military administration"),
}


@dataclass(frozen=True)
class DemoAccount:
    email: str
    full_name: str
    role: str  # "administrator" or a Role value


DEMO_ACCOUNTS = [
    DemoAccount("admin@cohesion.example", "Олена Адміністраторка", "administrator"),
    DemoAccount("coordinator@cohesion.example", "Ірина Коваленко", Role.COORDINATOR),
    DemoAccount("leader@cohesion.example", "Андрій Мельник", Role.LEADER),
    DemoAccount("donor@cohesion.example", "Pieter de Vries", Role.DONOR),
]


# What became of the historical programmes' groups, as the source texts tell it: the Kherson
# groups are consultative bodies of their military administrations and carry on; in Zhytomyr
# most carried on with their councils and two wound up when the funding ended. The Pryazovia
# groups had ceased already, under occupation in 2022.
ZHYTOMYR_CLOSED = {"UA18020150000084693", "UA18020170000036711"}  # Semenivska, Chervonenska
CONTINUES_NOTE = {
    "zhytomyr": "Працює далі як консультативно-дорадчий орган при раді громади.",
    "kherson": "Працює далі як консультативно-дорадчий орган при військовій адміністрації.",
}
CLOSED_NOTE = "Після завершення фінансування група припинила роботу."

# The running demo programme: the Kherson groups' second phase in three frontline communities.
RUNNING_COMMUNITIES = [CHORNOBAIVKA, "UA65100010000048953", "UA65100130000084882"]
