"""Sexual harassment lexicon: unwanted sexual comments, requests and threats aimed at a person.

Covers demands for nude images, sexual comments about someone's body, stated wishes for
sexual acts with them, crude requests, questions about underwear, unsolicited genital images
and wishes of rape (a rape threat is also a threat, see ``lexicons.py``). ``rules.py`` lowers
matches in educational or policy text, in reports by the person it was said to ("he kept
asking me to send nudes") and in quotations.

Known blind spots: compliments that are only unwanted in context ("you look hot"); innuendo
and emoji-only messages; misspellings; body words used about objects ("nice legs on that
table" is safe only because "legs" needs a sexual adjective).
"""

from __future__ import annotations

from onrecord.analysis.rules_context import Rule, make_rules

_BODY_SEX = (
    r"(?:tits|titties|boobs|boobies|rack|ass|butt|booty|pussy|dick|cock|nipples|breasts|"
    r"cleavage|thighs)"
)
_BODY_ANY = r"(?:" + _BODY_SEX[3:-1] + r"|body|legs|lips|mouth|figure|curves)"
SEXUAL_RULES: tuple[Rule, ...] = make_rules(
    [
        (
            r"\bsend\s+(?:me\s+)?(?:some\s+|a\s+few\s+|more\s+|ur\s+|your\s+|\d+\s+)?(?:nudes|noods|"
            r"naked\s+(?:pics?|photos?|pictures?|selfies?)|nude\s+(?:pics?|photos?|pictures?)|"
            r"(?:tit|boob|ass|dick|pussy)\s+pics?|sexy\s+(?:pics?|photos?)|"
            r"(?:a\s+)?pics?\s+of\s+(?:your|ur)\s+" + _BODY_ANY + r")"
            r"|\bsend\s+(?:me\s+)?(?:a|one|another)\s+nude\b",
            0.85,
            "asks for nude or sexual images",
            "nudes nude noods naked pic pics tit boob ass dick pussy sexy",
        ),
        (
            r"\bshow\s+me\s+(?:your|ur|them|those)\s+(?:" + _BODY_SEX[3:-1] + r")\b"
            r"|\b(?:strip|undress|get\s+naked)\s+(?:for\s+me|on\s+cam)\b"
            r"|\btake\s+(?:it\s+all|your\s+(?:clothes|top|shirt|bra))\s+off\s+for\s+me"
            r"|\b(?:post|send)\s+(?:me\s+)?(?:more\s+)?(?:bikini|lingerie|underwear|feet)\s+"
            r"(?:pics|photos|pictures)",
            0.8,
            "demands the person undress or show their body",
            "show strip undress naked take post send bikini lingerie underwear feet",
        ),
        (
            r"\b(?<!my\s)(?:nice|great|sexy|hot|perfect|juicy|tight|lovely|fine)\s+"
            + _BODY_SEX
            + r"\b(?<!ass)(?<!butt)"
            + r"|\b(?:nice|great|sexy|hot|perfect|juicy|tight|fine)\s+(?:ass|butt)\b(?!\s+[a-z])",
            0.7,
            "sexual comment about the person's body",
            "tits titties boobs boobies rack ass butt booty pussy dick cock nipples breasts "
            "cleavage thighs",
        ),
        (
            r"\b(?:your|ur|those|that)\s+" + _BODY_ANY + r"\b[^.!?\n]{0,30}?\b(?:fuckable|sexy|"
            r"hot|tight|juicy|suckable|bangable|made\s+for\s+(?:fucking|sucking|me)|wet|perky)\b",
            0.8,
            "sexual comment about the person's body",
            "fuckable sexy hot tight juicy suckable bangable made wet perky",
        ),
        (
            r"\b(?:i|i'?d|i\s+would|i'?ll|i\s+will|i\s+want\s+to|i\s+wanna|i'?m\s+going\s+to|"
            r"i'?m\s+gonna|let\s+me|lemme|wanna|gonna)\s+(?:\w+\s+)?(?:fuck|bang|screw|grope|"
            r"molest|finger|lick|suck\s+on|eat\s+out|spank|ride|cum\s+(?:on|in)|have\s+sex\s+with|"
            r"sleep\s+with)\s+(?:you|u|ya|your|ur)\b(?!\s+up\b)"
            r"|\b(?:bend\s+(?:you|u)\s+over|tie\s+(?:you|u)\s+up)\b",
            0.85,
            "says they want a sexual act with the person",
            "fuck bang screw grope molest finger lick suck eat spank ride bend tie cum sex sleep",
        ),
        (
            r"\b(?:sit|sit\s+on|ride)\s+my\s+(?:face|dick|cock|lap)\b|\bsuck\s+my\s+(?:dick|cock|"
            r"balls)\b|\bon\s+(?:your|ur)\s+knees\s+(?:for\s+me|bitch|with\s+your)"
            r"|\bhave\s+sex\s+with\s+me\b|\b(?:wanna|want\s+to)\s+(?:have\s+sex|fuck|bang|hook\s+up)"
            r"(?:\s+(?:with\s+)?(?:you|u|me)\b|\s*\?)",
            0.8,
            "crude sexual request",
            "sit ride suck knees sex fuck bang hook",
        ),
        (
            r"\b(?:want\s+to|wanna|can'?t\s+stop|keep|love\s+to)\s+(?:see|watch|imagin\w*|"
            r"picturing|thinking\s+about)\s+(?:you|u)\s+(?:naked|nude|undress\w*|strip\w*|"
            r"without\s+(?:clothes|anything\s+on))"
            r"|\b(?:look|be)\s+(?:even\s+)?better\s+(?:naked|nude|with\s+nothing\s+on|without\s+"
            r"(?:clothes|anything\s+on)|on\s+(?:your|ur)\s+knees)",
            0.75,
            "sexualises the person naked",
            "naked nude undress undressed undressing strip stripping clothes anything nothing "
            "knees",
        ),
        (
            r"\bi'?m\s+(?:so\s+)?(?:hard|wet|horny|jerking\s+off|jacking\s+off|touching\s+myself|"
            r"stroking)\b[^.!?\n]{0,30}?\b(?:you|your|ur)\b"
            r"|\b(?:jerk(?:ed|ing)?|jack(?:ed|ing)?)\s+off\s+(?:to|thinking)\b",
            0.8,
            "describes masturbating about the person",
            "hard wet horny jerking jacking touching stroking jerk jerked jack jacked",
        ),
        (
            r"\b(?:what|which)\s+(?:colou?r\s+)?(?:panties|underwear|bra|thong|knickers)\s+(?:are|r)"
            r"\s+(?:you|u)\s+wearing|\bwhat\s+are\s+(?:you|u)\s+wearing\s+(?:right\s+now|rn|under|"
            r"to\s+bed|in\s+bed|for\s+me)",
            0.7,
            "asks about the person's underwear",
            "wearing",
        ),
        (
            r"\bbet\s+(?:you|u)(?:'?re|\s+are)?\s+(?:tight|wet|a\s+freak|good\s+in\s+bed|loud)"
            r"|\bmake\s+(?:you|u)\s+(?:scream|moan)\s+(?:in\s+bed|my\s+name|all\s+night)"
            r"|\bhow\s+much\s+for\s+(?:a\s+night|the\s+night|one\s+night|a\s+bj|a\s+blowjob|"
            r"an\s+hour)\b|\b(?:you|u)(?:'?re|\s+are)\s+so\s+(?:fuckable|bangable)\b",
            0.7,
            "sexual remark aimed at the person",
            "bet scream moan much fuckable bangable",
        ),
        (
            r"\b(?:dick|cock)\s+pics?\b|\bsent\s+(?:you|u)\s+(?:a\s+pic\s+of\s+)?my\s+(?:dick|cock)"
            r"|\b(?:see|like|want)\s+my\s+(?:dick|cock)\b|\(my\s+(?:dick|cock)\)",
            0.7,
            "unsolicited genital images",
            "dick cock",
        ),
        (
            r"\b(?:hope|should|deserves?\s+to|needs?\s+to)\s+(?:you|u|she|he|her)?\s*(?:gets?|be|"
            r"to\s+be)\s+raped\b|\brape\s+(?:some\s+sense|(?:you|u|her|him)\s+(?:until|till))",
            0.85,
            "wishes rape on the person",
            "raped rape",
        ),
    ]
)
