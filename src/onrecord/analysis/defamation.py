"""Defamation risk: factual-sounding accusations about a specific person.

Flags claims of a crime ("she stole from the charity", "he is a pedophile", "convicted
fraudster"), a disease ("she has herpes"), sexual conduct ("slept with her boss to get
promoted") or professional misconduct ("botches surgeries", "falsifies data", "fake
therapist, no license") when they are stated as fact about a person. Hedges ("I think",
"allegedly", "maybe"), questions, news reports, fiction and jokes lower the score; a claim
with no person in its sentence is halved; a confession ("I stole...") is not defamation.

This only marks text for a person to review: whether a statement is defamatory is a legal
question (truth is a defence, and true statements are flagged too). Known blind spots:
insinuation ("everyone knows what she did at that school"), claims split across sentences,
names written in lower case, and plain insults that a reader would take as fact.
"""

from __future__ import annotations

import re

from onrecord.analysis.rules_context import (
    Hit,
    TextIndex,
    adjust,
    explain,
    make_rules,
    scan,
    sentence_bounds,
)

_F = re.IGNORECASE
MAX_MATCHES = 200
_ENOUGH = 5

_ROLE = (
    r"(?:man|woman|guy|girl|lady|dude|person|teacher|doctor|nurse|coach|pastor|priest|landlord|"
    r"boss|manager|therapist|counsell?or|lawyer|cop|officer|founder|ceo|director|principal|"
    r"neighbou?r|ex|husband|wife|dentist|surgeon|accountant|trainer|babysitter|nanny|mechanic|"
    r"contractor|realtor|agent|owner|volunteer|treasurer|president|chair|professor|pilot|"
    r"driver|mayor|vicar|coworker|colleague|landlady)"
)
PERSON = re.compile(
    r"\b(?:she|he|they|her|his|him|you|your)\b|\b(?:dr|mr|mrs|ms|miss|prof|professor|coach|"
    r"pastor|father|rev|officer|judge|nurse)\.?\s+(?-i:[A-Z])|\b(?:this|that|the|our|my|your|"
    r"her|his|their)\s+(?:so-called\s+)?(?:\w+\s+)?" + _ROLE + r"\b",
    _F,
)
_NAME = re.compile(r"\b[A-Z][a-z]{1,20}\b")
_NOT_NAME_WORDS = (
    "The This That These Those Our My Your Her His Their A An FYI Honestly So And But Also "
    "Everyone Just Lol Omg Psa Btw It We Is In If Get Putting Seriously Apparently Yes No "
    "Why What When Where How Who Ask Anyone Nobody Someone Please Well Oh Hey Wow Okay Ok "
    "Here There Guess Imagine Pretty Literally Basically Everybody Not Never Did Does Do"
)
_NOT_NAMES = frozenset(_NOT_NAME_WORDS.split())
_FIRST_PERSON_CLAIM = re.compile(r"\b(?:i|we)(?:'ve|'m|'d)?\s+(?:\w+\s+){0,2}$", _F)
DEFAMATION_RULES = make_rules(
    [
        (
            r"(?:\bis|\bwas|'s|\bare|\bwere|\bbeing)\s+(?:a\s+|an\s+)?(?:(?:known|convicted|registered"
            r"|fucking|total|literal|actual|real|serial)\s+)*(?:pedo(?:phile)?s?|paedo(?:phile)?s?|"
            r"child\s+(?:molester|abuser|predator|rapist)|rapist|sex\s+offender|murderer|embezzler|"
            r"fraudster|con\s*artist|scammer|swindler|drug\s+dealer|pimp|arsonist|money\s+launderer|"
            r"wife[- ]beater|groomer|sexual\s+predator)\b",
            0.75,
            "calls them a criminal",
            "pedo pedos pedophile pedophiles paedo paedos paedophile child rapist sex murderer "
            "embezzler fraudster con conartist scammer swindler drug pimp arsonist money wife "
            "groomer sexual",
        ),
        (
            r"(?:\bis|\bwas|'s|\bare|\bwere)\s+(?:a\s+|an\s+)?(?:(?:known|convicted|total|real)\s+)*"
            r"(?:thief|criminal|crook|felon|predator|stalker|abuser|junkie|crackhead|meth\s*head|"
            r"drug\s+addict|prostitute|hooker|fraud)\b(?!\s+(?:investigator|detective|analyst|"
            r"department|team|prevention|officer|unit|hunter|victim|squad|alert|case))",
            0.45,
            "labels them a criminal or addict",
            "thief criminal crook felon predator stalker abuser junkie crackhead meth methhead "
            "drug prostitute hooker fraud",
        ),
        (
            r"\b(?<!should\shave\s)(?<!could\shave\s)(?<!would\shave\s)(?<!must\shave\s)"
            r"(?:was|got|been|is|were)\s+(?:convicted|arrested|charged|jailed|imprisoned|indicted|"
            r"fired|sacked|struck\s+off|disbarred|suspended|expelled|deported|sentenced)\s+(?:for|of"
            r"|over|after)\b|\bconvicted\s+(?:of\s+\w+|(?:fraud|felon|rapist|murderer|thief|"
            r"criminal|sex|drug|paedo|pedo|child)\w*)|\b(?:has|have|had)\s+(?:a\s+)?(?:criminal\s+"
            r"record|record\s+for|prior\s+convictions|restraining\s+orders?)\b|\bstruck\s+off\b"
            r"|\bdisbarred\b|\bdid\s+(?:time|jail\s+time|prison\s+time)\b",
            0.6,
            "claims a conviction or dismissal",
            "convicted arrested charged jailed imprisoned indicted fired sacked struck disbarred "
            "suspended expelled deported sentenced record prior restraining time",
        ),
        (
            r"\b(?:stole|steals|stealing|embezzl\w+|skim(?:s|med|ming)|pocket(?:s|ed|ing)|"
            r"siphon(?:s|ed|ing)|launder(?:s|ed|ing)|defraud\w*|swindl\w+)\s+(?:[\w']+\s+){0,3}?"
            r"(?:from|money|cash|funds|donations|[$£€]|thousands|millions|painkillers|drugs|meds|"
            r"medication|pills|tips)"
            r"|\b(?:cooks?|cooked|cooking)\s+the\s+books|\brigg?(?:ed|s|ing)\s+(?:the|an?)\s+"
            r"(?:\w+\s+)?(?:election|vote|count|ballot|books|results|tender|bid)"
            r"|\b(?:took|takes|taking|accepts?|accepted)\s+bribes|\bbribed\s+(?:a|the|an)\b"
            r"|\b(?:sells?|selling|sold|deals?|dealing|dealt|push(?:es|ing))\s+(?:drugs|meth|coke|"
            r"cocaine|heroin|crack|fentanyl|pills)\b",
            0.7,
            "accuses them of theft, fraud or dealing",
            "stole steals stealing embezzled skims skimmed skimming pockets pocketed pocketing "
            "siphons siphoned siphoning launders laundered laundering defraud defrauded swindled "
            "swindles swindling cooks cooked cooking rigged rigs rigging rig bribes bribed drugs "
            "meth coke cocaine heroin crack fentanyl pills",
        ),
        (
            r"\b(?:molest(?:ed|s|ing)?|raped|sexually\s+(?:assaulted|abused)|groomed)\s+(?:his|her|"
            r"their|a|the|kids|children|little|students?|patients?|(?-i:[A-Z])\w+)\b",
            0.8,
            "accuses them of sexual abuse",
            "molest molested molests molesting raped sexually groomed",
        ),
        (
            r"\bslept\s+(?:her|his|their)\s+way\s+(?:to|up)|\bslept\s+with\s+(?:her|his|their|the)\s+"
            r"(?:\w+\s+){0,2}?(?:boss|manager|professor|teacher|director|supervisor|ceo|producer|"
            r"coach|editor|landlord|lecturer)|\bcheat(?:s|ed|ing)\s+on\s+(?:her|his|their)\s+"
            r"(?:husband|wife|partner|spouse|boyfriend|girlfriend|taxes|exams?)|\b(?:has|had|"
            r"having)\s+an\s+affair\s+with|\bsleeps\s+around\b",
            0.65,
            "claims sexual conduct",
            "slept cheat cheats cheated cheating affair sleeps",
        ),
        (
            r"\b(?:beats|beat|hits|abuses|abused)\s+(?:his|her|their)\s+(?:wife|husband|kids|"
            r"children|partner|girlfriend|boyfriend|dog|son|daughter|mother|students?)\b",
            0.75,
            "accuses them of abuse",
            "beats beat hits abuses abused",
        ),
        (
            r"\b(?:has|have|had|got|caught|carries|gave\s+(?:\w+\s+){1,2}|is\s+(?:infected\s+with|"
            r"riddled\s+with|positive\s+for))\s*(?:hiv|aids|herpes|an?\s+std|stds|an?\s+sti|stis|"
            r"syphilis|gonorrh?o?ea|chlamydia|hepatitis(?:\s+[bc])?|hpv|crabs|the\s+clap|leprosy|"
            r"tuberculosis|mpox|monkeypox)\b",
            0.7,
            "claims they have a disease",
            "hiv aids herpes std stds sti stis syphilis gonorrhea gonorrhoea chlamydia hepatitis "
            "hpv crabs clap leprosy tuberculosis mpox monkeypox",
        ),
        (
            r"\bbotch(?:es|ed|ing)?\s+(?:(?:every|all|his|her|their|the|my|so|many|most)\s+){0,2}"
            r"(?:\w+\s+)?(?:surger(?:y|ies)|operations?|procedures?|patients?|cases?|deliver(?:y|"
            r"ies)|audits?|jobs?)\b|\b(?:falsif(?:y|ies|ied|ying)|fabricat(?:e|es|ed|ing)|fak(?:e|es|"
            r"ed|ing)|doctor(?:s|ed|ing)|manipulat(?:e|es|ed|ing)|fudg(?:e|es|ed|ing)|forg(?:e|es|"
            r"ed|ing))\s+(?:\w+\s+){0,3}?(?:data|results|research|records|evidence|credentials|"
            r"qualifications|degrees?|diplomas?|licen[cs]es?|reports?|numbers|figures|timesheets|"
            r"receipts|expenses|invoices|papers?|studies|reviews|accounts|findings|signatures?|"
            r"documents?|cheques?|checks?|prescriptions?)\b",
            0.7,
            "accuses them of professional misconduct",
            "botch botches botched botching falsify falsifies falsified falsifying fabricate "
            "fabricated fake fakes faked faking doctor doctors doctored doctoring manipulate "
            "manipulated manipulates manipulating fudge fudged fudges fudging forge forged forges "
            "forging",
        ),
        (
            r"\b(?:fake|unlicensed|unqualified|uncertified|struck-off|not\s+a\s+real|bogus|"
            r"fraudulent)\s+(?:therapist|doctor|nurse|lawyer|psychologist|dentist|surgeon|"
            r"pharmacist|accountant|engineer|psychiatrist|counsell?or|vet|pilot|cop|professor|"
            r"teacher|physio|midwife)|\b(?:has|had|holds|have)\s+no\s+(?:\w+\s+)?(?:license|licence"
            r"|degree|qualifications?|credentials|certification|accreditation)\b|\b(?:lost|had)\s+"
            r"(?:her|his|their)\s+licen[cs]e\b",
            0.65,
            "says they practise without a licence",
            "fake unlicensed unqualified uncertified struck real bogus fraudulent license licence "
            "degree qualifications qualification credentials certification accreditation",
        ),
        (
            r"\b(?:drunk|high|wasted|intoxicated|drinking|stoned)\s+(?:at\s+work|on\s+the\s+job|"
            r"on\s+duty|on\s+shift|while\s+(?:operating|driving|teaching|working|flying))"
            r"|\b(?:fired|sacked|let\s+go|dismissed)\s+for\s+(?:stealing|theft|fraud|harass\w+|"
            r"drinking|drugs|misconduct|assault|lying|abuse|embezzl\w+|touching|groping|negligence)"
            r"|\b(?:hides?|hid|hiding|covered\s+up|covers\s+up|covering\s+up)\s+(?:the\s+)?(?:deaths"
            r"|abuse|complaints|evidence|injuries|fraud|losses|mistakes)\b",
            0.65,
            "accuses them of misconduct at work",
            "drunk high wasted intoxicated drinking stoned fired sacked let dismissed hides hid "
            "hiding covered covers covering",
        ),
    ]
)


def _has_name(segment: str) -> bool:
    return any(m.group() not in _NOT_NAMES for m in _NAME.finditer(segment))


def find_defamation(text: str, index: TextIndex) -> list[Hit]:
    """Accusations in ``text``, each scored for how much it reads as a fact about a person."""
    hits: list[Hit] = []
    for i, rule in enumerate(DEFAMATION_RULES):
        found = 0
        for m in scan(rule.pattern, text, MAX_MATCHES, index.windows(rule.gate)):
            s, e = m.start(), m.end()
            a, _ = sentence_bounds(text, s, e)
            factor, notes = adjust("defamation_risk", text, s, e)
            if _FIRST_PERSON_CLAIM.search(text, max(a, s - 30), s):
                factor *= 0.2
                notes.append("about the sender")
            elif not (PERSON.search(text, a, e) or _has_name(text[a:e])):
                factor *= 0.5
                notes.append("no person named")
            why = explain(rule.why, notes)
            hits.append(Hit("defamation_risk", s, e, rule.weight * factor, why, str(i)))
            found += factor >= 1.0
            if found >= _ENOUGH:
                break  # five full-strength matches: more cannot raise the score
    return hits
