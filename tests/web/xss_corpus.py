"""At least 200 XSS payloads, synthetic, each calling a hook that tells the test it ran.

Vectors cover HTML tags and event handlers, attribute break-outs, ``javascript:`` and
``data:`` URLs, SVG and MathML, mutation tricks, template and htmx attributes, entity and
percent encodings, and bidi characters. Each is made in four call styles (``alert``,
``confirm``, ``prompt`` and ``window.__xss``), numbered, so a firing names its payload.
"""

from __future__ import annotations

VECTORS = (
    "<script>{call}</script>",
    "<img src=x onerror={call}>",
    "<img/src/onerror={call}>",
    "<svg onload={call}>",
    "<svg/onload={call}>",
    '"><script>{call}</script>',
    "'><img src=x onerror={call}>",
    '" onmouseover="{call}" x="',
    "' onfocus='{call}' autofocus x='",
    '<iframe src="javascript:{call}"></iframe>',
    "javascript:{call}",
    "JaVaScRiPt:{call}",
    '<a href="javascript:{call}">click me</a>',
    '<a href="data:text/html,<script>{call}</script>">data link</a>',
    "<body onload={call}>",
    "<details open ontoggle={call}>",
    "<input autofocus onfocus={call}>",
    "<select autofocus onfocus={call}>",
    "<textarea autofocus onfocus={call}>",
    "<video><source onerror={call}></video>",
    "<audio src=x onerror={call}>",
    '<object data="javascript:{call}"></object>',
    '<embed src="javascript:{call}">',
    '<base href="javascript:{call}//">',
    '<meta http-equiv="refresh" content="0;url=javascript:{call}">',
    "<style>@import 'javascript:{call}';</style>",
    '<div style="background:url(javascript:{call})">x</div>',
    "<scr<script>ipt>{call}</scr</script>ipt>",
    "%3Cscript%3E{call}%3C/script%3E",
    "&lt;script&gt;{call}&lt;/script&gt;",
    "<svg><script>{call}</script></svg>",
    "<svg><animate onbegin={call} attributeName=x dur=1s>",
    "<math><mtext><table><mglyph><style><img src=x onerror={call}>",
    "<marquee onstart={call}>scroll</marquee>",
    "<form><button formaction=javascript:{call}>go</button></form>",
    "<template><img src=x onerror={call}></template>",
    '<noscript><p title="</noscript><img src=x onerror={call}>">',
    "\u202e<img src=x onerror={call}>\u202c",
    "</textarea><script>{call}</script>",
    "</title><script>{call}</script>",
    "</pre><script>{call}</script>",
    '<div hx-get="/lock" hx-trigger="load">{call}</div>',
    '<div hx-on:click="{call}">htmx</div>',
    "{{{{ 7*7 }}}}{{% debug %}}<img src=x onerror={call}>",
    "${{{call}}}",
    "';{call};//",
    '"-{call}-"',
    "<script src=data:,{call}></script>",
    "<img src=x:x onerror=eval(atob('{b64}'))>",
    "<svg><a xlink:href=javascript:{call}><text x=20 y=20>svg link</text></a></svg>",
    "<isindex action=javascript:{call} type=image>",
    "<link rel=stylesheet href=javascript:{call}>",
)
CALLS = ("alert({n})", "confirm({n})", "prompt({n})", "window.__xss({n})")


def payloads() -> list[str]:
    """Every vector in every call style: numbered, distinct."""
    import base64

    found = []
    number = 0
    for vector in VECTORS:
        for style in CALLS:
            number += 1
            call = style.format(n=number)
            b64 = base64.b64encode(call.encode()).decode()
            found.append(vector.format(call=call, n=number, b64=b64))
    return found
