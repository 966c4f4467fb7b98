"""Built-in phrase lists for the guidance lints (ANSSI / NCSC crisis-communication advice).

Kept apart from :mod:`publisher.lints` so that :mod:`publisher.config` can use them as
defaults without importing the checkers. Phrases match case-insensitively on word
boundaries, typographic apostrophes count as straight ones, a trailing ``*`` matches any
word ending. Each list is a ``[lint]`` key in publisher.toml.
"""

from __future__ import annotations

# Never promise a precise return-to-normal date: give visibility step by step (ANSSI fiche 6).
RETURN_DATE_FR = [
    "sera rétabli le",
    "sera rétablie le",
    "seront rétablis le",
    "seront rétablies le",
    "sera rétabli demain",
    "sera rétablie demain",
    "seront rétablis demain",
    "rétablissement prévu",
    "retour à la normale prévu",
    "retour à la normale d'ici",
    "retour à la normale le",
    "retour à la normale demain",
    "d'ici demain",
    "d'ici ce soir",
    "d'ici lundi",
    "d'ici mardi",
    "d'ici mercredi",
    "d'ici jeudi",
    "d'ici vendredi",
    "d'ici samedi",
    "d'ici dimanche",
    "d'ici la fin de la semaine",
    "dans les prochaines heures",
]
RETURN_DATE_EN = [
    "will be restored by",
    "will be restored on",
    "will be restored tomorrow",
    "back to normal by",
    "back to normal on",
    "back to normal tomorrow",
    "expected to be restored",
    "restored within",
    "fully restored by",
    "by tomorrow",
    "by tonight",
    "by the end of the week",
    "within the next few hours",
]
# Never attribute the attack: attribution is a State decision.
ATTRIBUTION_FR = [
    "hacker*",
    "groupe de pirates",
    "pirates russes",
    "pirates chinois",
    "cybercriminels russes",
    "attribué*",
    "revendiqué*",
    "lockbit",
    "conti",
    "ryuk",
    "hive",
    "black basta",
    "état étranger",
    "puissance étrangère",
]
ATTRIBUTION_EN = [
    "hacker*",
    "hacking group",
    "russian hackers",
    "chinese hackers",
    "state-sponsored",
    "attributed to",
    "claimed by",
    "lockbit",
    "conti",
    "ryuk",
    "black basta",
    "foreign state",
]
# No mention of a ransom: confirm only if already public, never say it was paid.
RANSOM_FR = ["rançon*", "ranson*", "extorsion", "rançongiciel*"]
RANSOM_EN = ["ransom", "ransoms", "ransom demand*", "extortion", "ransomware"]
# Words ANSSI advises against ("piratage": say "cyberattaque" / "incident de cybersécurité").
FORBIDDEN_FR = ["piratage", "piraté*"]
FORBIDDEN_EN = ["hacked"]

# Plain language (Services Publics+ langage clair): words a patient does not know, and words
# that alarm without informing. Explain or replace them; the lists are [lint] keys.
JARGON_FR = [
    "SIH",
    "DSI",
    "RSSI",
    "GHT",
    "DPI",
    "PACS",
    "SAMU-Centre 15",
    "exfiltration",
    "exfiltré*",
    "chiffrement",
    "chiffré*",
    "malware*",
    "ransomware*",
    "phishing",
    "hameçonnage",
    "cryptolocker",
    "PCA",
    "PRA",
    "IOC",
]
JARGON_EN = [
    "exfiltration",
    "exfiltrated",
    "encrypted",
    "encryption",
    "malware",
    "threat actor*",
    "lateral movement",
    "phishing",
    "IOC*",
    "SIEM",
    "EDR",
    "business continuity plan",
    "downtime procedures",
    "EPR",
]
ALARM_FR = [
    "catastrophe*",
    "catastrophique*",
    "chaos",
    "chaotique*",
    "panique",
    "paralysé*",
    "paralysie",
    "dramatique*",
    "désastre*",
    "désastreu*",
    "sans précédent",
    "effondrement",
]
ALARM_EN = [
    "catastroph*",
    "chaos",
    "chaotic",
    "panic",
    "crippled",
    "paralysed",
    "paralyzed",
    "devastating",
    "disaster*",
    "unprecedented",
    "meltdown",
]

LISTS: dict[str, list[str]] = {
    "return_date_fr": RETURN_DATE_FR,
    "return_date_en": RETURN_DATE_EN,
    "attribution_fr": ATTRIBUTION_FR,
    "attribution_en": ATTRIBUTION_EN,
    "ransom_fr": RANSOM_FR,
    "ransom_en": RANSOM_EN,
    "forbidden_fr": FORBIDDEN_FR,
    "forbidden_en": FORBIDDEN_EN,
    "jargon_fr": JARGON_FR,
    "jargon_en": JARGON_EN,
    "alarm_fr": ALARM_FR,
    "alarm_en": ALARM_EN,
}
# Sentences longer than this are flagged (0: off). The CHU de Rouen's own statements of
# November 2019 went up to 32 words in French and 34 in English.
MAX_SENTENCE_WORDS = 30
