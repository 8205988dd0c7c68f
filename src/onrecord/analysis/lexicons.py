"""Threat-of-violence and self-harm-incitement lexicons (the model has no data for either).

Threats: a frame (who will act: "I'll", "I'm going to", "I want to", "someone should") followed
by a violent act aimed at the reader, their people or places, or a third person ("kill you",
"break your legs", "burn your house down", "find you"); plus second-person consequences
("you'll get what's coming", "you won't be safe", "your days are numbered", "I know where
you live"). ``THREAT_TIME``, ``THREAT_PLACE`` and ``THREAT_MEANS`` raise a threat that
already fired; a weapon mentioned beside the reader's home or family is a weak threat.
Self-harm incitement: "kys", "kill yourself", "go die", "nobody would miss you", "do everyone
a favour and end it"; "log off for good" is kept weak (0.35).

Each rule is a pre-compiled regex, a base weight in [0, 1], a plain-words reason, and gate
words one of which every match contains (``rules_context.TextIndex`` scans only near them).
``rules.py`` discounts matches in quotations, news, games, jokes, fiction, negations and
helpline text. Patterns are case-insensitive, run on text with straightened quotes, and use
only bounded repetition so a megabyte cannot make them backtrack badly. No rule gives or
needs any detail about weapons beyond recognising that one is named.

Known blind spots: English only; misspellings and leetspeak beyond a few forms ("kys",
"urself", "ill", "imma"); apostrophes written as HTML entities (``&#39;``); threats that name
no act ("make it permanent", "you know what happens next"); hyperbole between friends without
a game or laughter marker ("I will kill you for liking that pic"); song lyrics and film quotes
that are not marked as quotations; sarcasm.
"""

from __future__ import annotations

import re

from onrecord.analysis.rules_context import Rule, compile_phrase, gate, make_rules

_F = re.IGNORECASE


# --- shared building blocks -------------------------------------------------------------------

PEOPLE = (
    r"(?:family|kids?|children|child|son|daughter|wife|husband|mom|mum|mother|dad|father|"
    r"parents|brother|sister|boyfriend|girlfriend|partner|baby|babies|grandma|grandmother|"
    r"friends?|dog|cat|pets?)"
)
PLACES = r"(?:house|home|place|car|flat|apartment|school|work|job|office|door)"
_PERSON_NOUN = (
    r"(?:bitch|bastard|guy|girl|woman|man|dude|person|clown|idiot|whore|slut|cunt|traitor|"
    r"snitch|journalist|reporter|cop|teacher|judge|politician|creep|freak|loser|prick|asshole|"
    r"scum|pig|rat|witch|hoe|cow|skank|moron)"
)
# Who the act is aimed at: the addressee, their people, or a third person.
_TARGET = (
    r"(?:you|u|ya|y'?all|you\s+all|you\s+guys|"
    r"(?:your|ur)\s+(?:whole\s+|little\s+|precious\s+|fucking\s+)?" + PEOPLE + r"|"
    r"her|him|them|(?:this|that|the)\s+(?:\w+\s+)?" + _PERSON_NOUN + r")"
)
_ADV = (
    r"(?:\s+(?:fucking|fuckin|fkn|personally|really|actually|literally|definitely|seriously|"
    r"just|gladly|happily|slowly|come|go|and|then|finally|still|one\s+day|someday|eventually|"
    r"swear\s+i'?ll)){0,3}"
)
_WILL = (
    r"(?:i\s*'?\s*ll|i\s+will|i\s+shall|i'?m\s+(?:going\s+to|gonna|gon|about\s+to|finna)|"
    r"i\s+am\s+(?:going\s+to|gonna|about\s+to)|imma|i'?ma|ima|ill|i'?d|i\s+would|"
    r"we'?ll|we\s+will|we'?re\s+(?:going\s+to|gonna)|we\s+are\s+(?:going\s+to|gonna))"
)
_WANT = (
    r"(?:i\s+(?:really\s+)?(?:want|wanna|need|would\s+love|'?d\s+love|'?d\s+like)(?:\s+to)?|"
    r"i\s+can'?t\s+wait\s+to|i'?m\s+(?:itching|dying)\s+to)"
)
_COULD = r"(?:i\s+could|i\s+might)"
_INCITE = (
    r"(?:some(?:one|body)|people|y'?all|you\s+guys|anyone|anybody|u\s+guys)\s+"
    r"(?:should|needs?\s+to|ought\s+to|oughta|has\s+to|have\s+to|gotta|must|better|"
    r"could|can|will|'?ll)(?:\s+(?:just|really|finally|go|come))?"
)

_T = _TARGET
_END = r"(?!\w|'(?:re|ll|d|ve|s|m)\b)"
# Violent acts, each a named group so one scan says which act matched.
THREAT_ACTS: dict[str, tuple[str, float, str, str]] = {
    "kill": (
        r"(?:kill|murder|slaughter|butcher|behead|decapitate|execute|lynch|end)\s+"
        + _T
        + _END
        + r"(?!\s+with\s+(?:kindness|love|compliments))"
        + r"|end\s+(?:your|ur|her|his)\s+life"
        + r"|put\s+(?:a|one|two|some)\s+(?:bullets?|rounds?|holes?)\s+(?:in|into|through)\s+"
        + r"(?:"
        + _T
        + r"|(?:your|ur|her|his)\s+(?:head|skull|face|chest))",
        0.9,
        "a threat to kill",
        "kill kills killed killing murder murders slaughter butcher behead decapitate execute "
        "lynch end bullet bullets round rounds hole holes",
    ),
    "weapon": (
        r"(?:shoot|stab|shank|gut|knife|gun\s+down)\s+"
        + _T
        + _END
        + r"(?!\s+(?:a|an|some|me)\s)(?!\s+in\s+the\s+back)",
        0.9,
        "a threat to shoot or stab",
        "shoot shooting stab stabbing shank gut knife gun",
    ),
    "rape": (r"rape\s+" + _T + _END, 0.9, "a rape threat", "rape"),
    "harm": (
        r"(?:hurt|harm|torture|maim|cripple|strangle|choke|suffocate|smother|drown|poison|"
        r"kidnap|abduct|burn|hang|bury|attack|assault|jump|stomp|curb\s*stomp|acid)\s+"
        + _T
        + _END
        + r"(?!\s+(?:a|an|some)\s)"
        + r"(?!\s+(?:in|with|under)\s+(?:paperwork|lawsuits?|court|work|debt|legal|emails?|"
        + r"points|kindness|love|compliments|questions|homework))",
        0.8,
        "a threat to hurt",
        "hurt harm torture maim cripple strangle choke suffocate smother drown poison kidnap "
        "abduct burn hang bury attack assault jump stomp curb acid",
    ),
    "beat": (
        r"(?:beat|batter|pummel|punch|kick|slap|smack|hit|thrash|bash|whoop)\s+"
        + _T
        + r"\s+(?:up|to\s+death|senseless|bloody|black\s+and\s+blue|half\s+to\s+death|"
        + r"to\s+a\s+pulp|unconscious|until|so\s+hard|in\s+the\s+(?:face|head|teeth|mouth))"
        + r"|beat\s+the\s+(?:shit|crap|hell|life|fuck|living\s+daylights)\s+out\s+of\s+"
        + _T
        + r"|(?:fuck|mess|rough|smash)\s+"
        + _T
        + r"\s+up\b",
        0.85,
        "a threat to beat up",
        "beat batter pummel punch kick slap smack hit thrash bash whoop fuck mess rough smash",
    ),
    "body": (
        r"(?:break|snap|smash|cave\s+in|crack|bash\s+in|cut|slit|rip\s+out|rip\s+off|blow\s+off|"
        r"blow\s+out)\s+(?:your|ur|her|his|their)\s+(?:\w+\s+)?(?:neck|legs?|arms?|face|head|"
        r"skull|throat|teeth|jaw|bones?|brains?|kneecaps?|nose|ribs|fingers|hands|spine)\b"
        r"|break\s+every\s+bone\s+in\s+(?:your|ur|her|his)\s+body",
        0.85,
        "a threat to injure",
        "break snap smash cave crack bash cut slit rip blow",
    ),
    "grave": (
        r"put\s+" + _T + r"\s+(?:in|into|six\s+feet)\s+(?:the|a|an|under)?\s*(?:ground|grave|"
        r"hospital|morgue|coffin|casket|wheelchair|coma|body\s+bag|early\s+grave|icu|ditch)"
        r"|(?:run|mow)\s+" + _T + r"\s+(?:over|down)\b"
        r"|burn\s+(?:down\s+)?(?:your|ur|her|his|their)\s+(?:house|home|place|car|flat|"
        r"apartment|shop)(?:\s+down)?|burn\s+" + _T + r"\s+alive"
        r"|blow\s+up\s+(?:your|ur|her|his|their)\s+(?:house|home|car|place|school|office)",
        0.85,
        "a threat of lethal or serious harm",
        "put run mow burn blow",
    ),
    "find": (
        r"(?:find|hunt|track)\s+(?:you|u|ya|her|him|them)(?:\s+down)?"
        + _END
        + r"(?!\s+(?:a|an|some|the|something|someone|somebody|anything|another|more|out|"
        + r"online|later|attractive|interesting)\b)"
        + r"|come\s+(?:for|after)\s+"
        + _T
        + _END
        + r"|(?:show|turn)\s+up\s+at\s+(?:your|ur|her|his)\s+"
        + PLACES
        + r"|(?:be\s+)?waiting\s+(?:for\s+(?:you|u)\s+)?(?:outside|at)\s+(?:your|ur)\s+"
        + PLACES,
        0.6,
        "a threat to find or come after",
        "find hunt track come show turn waiting",
    ),
    "suffer": (
        r"make\s+" + _T + r"\s+(?:suffer|bleed|beg|disappear|pay|regret|wish)\b",
        0.6,
        "a threat to make them suffer or pay",
        "make",
    ),
    "ruin": (
        r"(?:destroy|ruin|wreck)\s+(?:you|u|her|him|(?:your|ur|her|his)\s+(?:life|career))\b",
        0.45,
        "a threat to destroy or ruin",
        "destroy ruin wreck",
    ),
}


def _act_alternation() -> str:
    return "|".join(f"(?P<{name}>{pat})" for name, (pat, _, _, _) in THREAT_ACTS.items())


# A frame (who will act) followed by one of the acts above.
THREAT_ACT_GATE = frozenset().union(*(gate(g) for _, _, _, g in THREAT_ACTS.values()))
THREAT_FRAMES: tuple[Rule, ...] = tuple(
    Rule(
        compile_phrase(r"\b" + frame + _ADV + r"\s+(?:" + _act_alternation() + ")"),
        w,
        why,
        THREAT_ACT_GATE,
    )
    for frame, w, why in (
        (_WILL, 1.0, "first-person"),
        (_WANT, 0.85, "first-person wish"),
        (_COULD, 0.55, "first-person 'could'"),
        (_INCITE, 0.85, "call for someone"),
    )
)

THREAT_RULES: tuple[Rule, ...] = make_rules(
    [
        (
            r"\byou(?:'?ll|\s+will|'?re\s+(?:going\s+to|gonna)|\s+are\s+(?:going\s+to|gonna))"
            r"\s+(?:\w+\s+)?(?:die|be\s+dead|end\s+up\s+dead|bleed|be\s+killed|get\s+(?:killed|"
            r"shot|stabbed|hurt|beaten))\b(?!\s+(?:laughing|of|from|alone|trying|waiting|happy|"
            r"old|someday|eventually|one\s+day|anyway|inside|when|a\s+virgin|single|broke|"
            r"lonely|in\s+your\s+sleep|soon\s+enough|in\s+(?:prison|jail)|for\s+(?:me|us|love|nothing|a\s+\w+)\b))",
            0.75,
            "says the person will die or be hurt",
            "die dead bleed killed shot stabbed hurt beaten",
        ),
        (
            r"\byou(?:'?re|\s+are)\s+(?:so\s+|fucking\s+)?dead(?:\s+(?:meat|man|woman|bitch))?"
            r"(?![\w'])(?!\s+(?:to\s+me|wrong|right|serious|tired|inside|on|set|last|center|"
            r"weight|ass|beat|broke|cute|funny|lol|lmao))"
            r"|\b(?:he|she|they|you)(?:'?s|'?re|\s+is|\s+are)\s+a\s+dead\s+(?:man|woman|girl|boy)",
            0.7,
            "calls the person dead",
            "dead",
        ),
        (
            r"\byou(?:'?ll|\s+will|'?re\s+going\s+to|\s+are\s+going\s+to|'?re\s+gonna)\s+"
            r"(?:\w+\s+)?(?:be\s+in\s+(?:a|the)\s+(?:body\s+bag|ground|grave|morgue|hospital|"
            r"wheelchair|coffin)|end\s+up\s+in\s+(?:a|the)\s+(?:ditch|ground|grave|morgue|"
            r"hospital|body\s+bag|wheelchair|river)|(?:never|not)\s+(?:walk|wake\s+up)\s+again|"
            r"meet\s+your\s+maker)",
            0.8,
            "says the person will end up dead or injured",
            "bag ground grave morgue hospital wheelchair coffin ditch river walk wake maker",
        ),
        (
            r"\byou(?:'?ll|\s+will|'?re\s+going\s+to|\s+are\s+going\s+to|'?re\s+gonna)\s+"
            r"(?:\w+\s+)?(?:get\s+what'?s\s+coming|get\s+yours\b|never\s+see\s+it\s+coming|"
            r"wish\s+you\s+(?:were|was|had)\s+(?:dead|never))"
            r"|\bwhat'?s\s+coming\s+(?:to|for)\s+(?:you|u)\b",
            0.6,
            "says something is coming for the person",
            "coming yours wish",
        ),
        (
            r"\byou(?:'?ll|\s+will|'?re\s+going\s+to|\s+are\s+going\s+to)\s+(?:\w+\s+)?"
            r"(?:pay\s+for\s+(?:this|that|it|what)|regret\s+(?:this|that|it|the\s+day|ever|"
            r"crossing|messing)|be\s+sorry\b)",
            0.45,
            "says the person will pay or regret it",
            "pay regret sorry",
        ),
        (
            r"\byou\s+(?:won'?t|will\s+not)\s+(?:walk\s+away|live\s+(?:long|to\s+see)|survive|"
            r"make\s+it\s+out|wake\s+up|see\s+(?:tomorrow|the\s+morning|next\s+week))",
            0.65,
            "says the person will not survive",
            "walk live survive make wake see",
        ),
        (
            r"\b(?:you|u|(?:your|ur)\s+(?:\w+\s+)?(?:"
            + PEOPLE[3:-1]
            + r"|"
            + PLACES[3:-1]
            + r"))\s+(?:won'?t|will\s+not|aren'?t|are\s+not|isn'?t|is\s+not|will\s+never|"
            r"'?ll\s+never|can'?t|cannot)\s+(?:be\s+|feel\s+|stay\s+|keep\s+)?safe\b"
            r"|\bnowhere\s+(?:is|will\s+be)\s+safe\s+for\s+(?:you|u)\b",
            0.7,
            "says the person or their people will not be safe",
            "safe",
        ),
        (
            r"\bwatch\s+(?:your|ur)\s+(?:back|kids|family|children)\b"
            r"|\bsleep\s+with\s+one\s+eye\s+open|\blook(?:ing)?\s+over\s+(?:your|ur)\s+shoulder"
            r"|\block\s+(?:your|ur)\s+doors\b",
            0.6,
            "tells the person to watch their back",
            "watch sleep shoulder lock",
        ),
        (r"\bwatch\s+yourself\b", 0.45, "tells the person to watch themselves", "watch"),
        (
            r"\b(?:your|ur)\s+days\s+are\s+numbered|\bcount(?:ing)?\s+(?:your|ur|the)\s+days\b"
            r"|\b(?:your|ur)\s+(?:last|final)\s+(?:\w+\s+)?(?:alive|on\s+(?:this\s+)?earth)"
            r"|\b(?:your|ur)\s+last\s+breath\b",
            0.7,
            "says the person's days are numbered",
            "numbered count counting alive earth breath",
        ),
        (
            r"\bshame\s+if\s+something\s+(?:bad\s+)?(?:happened|were\s+to\s+happen|happens)\s+to\b"
            r"|\bsomething\s+(?:bad\s+)?(?:could|might|will|can)\s+happen\s+to\s+(?:you|u|your|"
            r"ur|her|him)\b",
            0.7,
            "veiled threat that something may happen",
            "shame happen happened happens",
        ),
        (r"\baccidents\s+happen\b", 0.35, "veiled 'accidents happen'", "accidents"),
        (
            r"\b(?:i|we)\s+know\s+(?:where\s+(?:you|u|your\s+\w+|ur\s+\w+)\s+(?:live|lives|work|"
            r"works|sleep|sleeps|go|goes|park|parks|study|studies)|which\s+(?:house|car|school|"
            r"building|flat|apartment|door|room|office)|what\s+(?:car|school|time|gym)|"
            r"(?:your|ur)\s+(?:address|schedule|routine|daily\s+routine))",
            0.6,
            "says they know where the person lives or goes",
            "know",
        ),
        (
            r"\bi'?m\s+(?:outside|near|parked\s+outside|standing\s+outside|watching)\s+(?:your|ur)"
            r"\s+" + PLACES + r"|\bstanding\s+outside\s+(?:your|ur)\s+(?:door|house|window)"
            r"|\bi'?m\s+(?:always\s+)?watching\s+(?:you|u)\b",
            0.6,
            "says they are near the person's home or watching",
            "outside near parked standing watching",
        ),
        (r"\b(?:you|u)'?re\s+next\b(?!\s+(?:in|up|on|to))", 0.45, "says 'you're next'", "next"),
        (
            r"\bsee\s+(?:you|u|her|him)\s+(?:dead|in\s+hell|in\s+the\s+ground|in\s+a\s+body\s+bag)",
            0.75,
            "wants to see the person dead",
            "dead hell ground bag",
        ),
        (
            r"\b(?:hope|wish)\s+(?:you|u|she|he|they)\s+(?:gets?|got)\s+(?:shot|stabbed|killed|"
            r"murdered|beaten|hit\s+by\s+a\s+(?:car|bus|truck|train)|run\s+over|lynched|hanged|"
            r"hung)|\bhope\s+(?:you|u|she|he)\s+(?:die|dies|burn|burns|rot|rots)\b"
            r"(?!\s+(?:laughing|of|trying|in\s+(?:a|the)\s+game))",
            0.55,
            "wishes the person dead or hurt",
            "hope wish",
        ),
        (
            r"\b(?:she|he|they|you|u|(?:this|that)\s+\w+)\s+(?:should|needs?\s+to|deserves?\s+to|"
            r"ought\s+to|oughta)\s+(?:be|get)\s+(?:shot|killed|murdered|stabbed|hanged|hung|"
            r"lynched|beaten|executed|put\s+down|burned|strangled|run\s+over|tortured)\b"
            r"|\bdeserves?\s+(?:a\s+bullet|to\s+die|to\s+be\s+(?:shot|killed|hanged))\b",
            0.65,
            "says the person deserves violence",
            "should needs need deserve deserves ought oughta",
        ),
    ]
)

# --- self-harm incitement ---------------------------------------------------------------------

_YOURSELF = r"(?:yourself|urself|ur\s+self|your\s+self|yourselves|yoself|youself)"
SELF_HARM_RULES: tuple[Rule, ...] = make_rules(
    [
        (r"\bk+\s?y+\s?s+\b|\bk\.y\.s\b", 0.9, "'kys' (kill yourself)", "kys k kyy kkys"),
        (
            r"\b(?:kill|k[i1!]ll|unalive|off|end|hang|neck|shoot|drown|stab|poison)\s+"
            + _YOURSELF
            + r"\b(?!\s+(?:laughing|over|with\s+work|doing|trying|working|for\s+a|"
            + r"in\s+the\s+foot))",
            0.9,
            "tells the person to kill themselves",
            "yourself urself self yourselves yoself youself",
        ),
        (
            r"\bkilled\s+" + _YOURSELF + r"\s+(?:yet|already)|\b(?:why|how\s+come)\s+(?:haven'?t|"
            r"don'?t|didn'?t)\s+(?:you|u)\s+(?:just\s+)?(?:kill(?:ed)?|off(?:ed)?|end(?:ed)?)\s+"
            r"(?:" + _YOURSELF[3:-1] + r"|it)\b",
            0.85,
            "asks why the person has not killed themselves",
            "yourself urself self why come",
        ),
        (
            r"\bslit\s+(?:your|ur)\s+(?:wrists?|own\s+throat)|\bdrink\s+(?:some\s+)?bleach\b"
            r"|\bjump\s+off\s+(?:a|the|your|ur)\s+(?:bridge|building|cliff|roof|balcony)"
            r"|\b(?:jump|walk|step)\s+in\s+front\s+of\s+(?:a|the)\s+(?:train|bus|truck|car)"
            r"|\bgo\s+(?:and\s+)?overdose\b",
            0.85,
            "tells the person to harm themselves in a named way",
            "slit bleach jump walk step overdose",
        ),
        (
            r"\b(?:go|just|please|pls|plz|so|then)\s+(?:and\s+)?die\b(?!\s+(?:your|ur|my|her|his|the|"
            r"of|for|laughing|happy|trying|hair))|\bdie\s+already\b|\bdrop\s+dead\b(?!\s+gorgeous)"
            r"|\bwhy\s+don'?t\s+(?:you|u)\s+(?:just\s+)?die\b|\b(?:you|u)\s+should\s+(?:just\s+)?die\b",
            0.8,
            "tells the person to die",
            "die dead",
        ),
        (
            r"\b(?:you|u)\s+(?:should|need\s+to|ought\s+to)\s+(?:just\s+)?(?:end\s+it|end\s+it\s+all|"
            r"stop\s+existing|not\s+exist|cease\s+to\s+exist|stop\s+breathing|disappear\s+forever)\b"
            r"|\bend\s+it\s+(?:already|all|now|tonight)\b",
            0.75,
            "tells the person to end their life",
            "end stop exist cease disappear",
        ),
        (
            r"\bdo\s+(?:us|everyone|everybody|the\s+world|the\s+planet|humanity|your\s+family|"
            r"society|them|yourself)\s+a\s+fav(?:ou?r|e)\b[^.!?\n]{0,20}?\b(?:end\s+it|die|kill|"
            r"disappear|jump|off\s+yourself|end\s+yourself|stop\s+breathing|drop\s+dead|"
            r"don'?t\s+wake\s+up)",
            0.85,
            "'do everyone a favour' and die",
            "favour favor fave",
        ),
        (
            r"\b(?:nobody|no\s+one|no-one|noone)(?:\s+\w+)?\s+(?:would|will|'?d)\s+(?:miss|care|"
            r"notice|cry|mourn)\b[^.!?\n]{0,40}?\b(?:if|when)\s+(?:you|u)\s+(?:died|were\s+gone|"
            r"was\s+gone|disappeared|killed\s+yourself|were\s+dead|was\s+dead|ended\s+it|left)",
            0.8,
            "says nobody would miss the person if they died",
            "miss care notice cry mourn",
        ),
        (
            r"\b(?:nobody|no\s+one)\s+(?:would|will)\s+(?:even\s+)?(?:miss|mourn)\s+(?:you|u)\b"
            r"|\b(?:nobody|no\s+one)\s+(?:would|will)\s+(?:come\s+to|cry\s+at|attend)\s+"
            r"(?:your|ur)\s+funeral",
            0.6,
            "says nobody would miss the person",
            "miss mourn funeral",
        ),
        (
            r"\b(?:would|will|'?d)\s+be\s+(?:so\s+much\s+)?(?:better|happier|relieved|glad)"
            r"(?:\s+off)?\s+(?:without\s+(?:you|u)\b|if\s+(?:you|u)\s+(?:were\s+dead|died|were\s+"
            r"gone|killed\s+yourself|weren'?t\s+(?:here|alive|around)))",
            0.75,
            "says others would be better off if the person died",
            "better happier relieved glad",
        ),
        (
            r"\b(?:you|u)\s+(?:don'?t|do\s+not)\s+deserve\s+to\s+(?:live|be\s+alive|exist|breathe)"
            r"|\bwhy\s+are\s+(?:you|u)\s+still\s+(?:alive|breathing|living)\b",
            0.7,
            "says the person should not be alive",
            "deserve alive breathing living",
        ),
        (
            r"\blog\s+off\s+(?:for\s+good|forever|permanently)|\bleave\s+this\s+(?:earth|world)\b"
            r"|\bdelete\s+(?:your|ur)\s+(?:life|existence)\b",
            0.35,
            "ambiguous 'leave for good'",
            "log leave delete",
        ),
    ]
)

# Raise a threat that already fired: time, place and means make it concrete.
THREAT_TIME = re.compile(
    r"\b(?:tonight|tomorrow|this\s+(?:weekend|week|evening|morning|afternoon)|"
    r"(?:on|next|this)\s+(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)|"
    r"at\s+\d{1,2}(?::\d\d)?\s*(?:am|pm)|by\s+(?:monday|tuesday|wednesday|thursday|friday|"
    r"saturday|sunday|tonight|tomorrow)|next\s+time\s+i\s+see\s+(?:you|u)|"
    r"when\s+you\s+(?:leave|get\s+home|walk|least\s+expect))\b",
    _F,
)
THREAT_PLACE = re.compile(
    r"\b(?:at|outside|near|to|by)\s+(?:your|ur)\s+" + PLACES + r"\b"
    r"|\bwhere\s+(?:you|u)\s+(?:live|work|sleep)\b|\b(?:your|ur)\s+(?:address|front\s+door)\b",
    _F,
)
THREAT_MEANS = re.compile(
    r"\b(?:gun|guns|knife|knives|blade|machete|baseball\s+bat|rifle|shotgun|pistol|glock|"
    r"bullets?|ammo|axe|crowbar|bomb|explosives?|acid|petrol|gasoline|brass\s+knuckles)\b",
    _F,
)
YOUR_PLACES = re.compile(r"\b(?:your|ur)\s+(?:" + PEOPLE[3:-1] + r"|" + PLACES[3:-1] + r")\b", _F)
THREAT_WEAPON_OWNED = Rule(
    compile_phrase(
        r"\b(?:i|we)\s+(?:have|keep|carry|got|own|bought|brought|'ve\s+got)\s+(?:\w+\s+){0,2}?"
        + THREAT_MEANS.pattern
    ),
    0.55,
    "mentions a weapon alongside the person's home, work or family",
    gate(
        "gun guns knife knives blade machete bat rifle shotgun pistol glock bullet bullets ammo "
        "axe crowbar bomb explosive explosives acid petrol gasoline brass"
    ),
)
