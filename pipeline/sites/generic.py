"""Rules for pages of sites we have no module for: common CMS chrome, and WordPress listings.

The text cleaner's general paragraph classifier does most of the work for these; the rules
here only name chrome that is common to whole CMS families.
"""

import re

from pipeline.sites.base import HtmlRules, ListingTextRules, Site, TextRules, exact_line, line_starting

TEXT = TextRules(
    drop_lines=(
        exact_line("Skip to main content"),
        exact_line("Skip to content"),
        exact_line("Main Menu"),
        exact_line("Menu"),
        # Skip links and menu titles of Russian and Tajik sites: never a headline.
        re.compile(
            r"(?i)^\W*(?:перейти|вернуться|вернутся|пропустить)\s+(?:к|в)\s+\w+\s*(?:содержани\w*|навигаци\w*|меню)\W*$"
        ),
        re.compile(r"(?i)^\W*(?:перейти к (?:содержанию|поиску)|к основному содержанию)\W*$"),
        re.compile(r"(?i)^\W*(?:главное|основное) меню\W*$|^\W*меню\W*$"),
        re.compile(r"(?i)^\W*ба\s+(?:мундариҷаи\s+асосӣ|менюи\s+асосӣ|ҷустуҷӯ)\s+гузаред\W*$"),
        exact_line("Search"),
        exact_line("Share this:"),
        exact_line("Like this:"),
        exact_line("Leave a comment"),
        exact_line("Leave a Reply"),
        exact_line("Advertisement"),
        # A menu written as one line: "home | about | partners | events | site map |".
        re.compile(r"^\s*(?:[^|]{1,30}\|){3,}[^|]{0,30}$"),
        line_starting("Posted in "),
        # A video player's fallback text, in the languages of the corpus: never content.
        re.compile(
            r"(?i)^\W*(?:your browser does(?:n[’']t| not) support (?:html5|the video tag)|"
            r"ваш браузер не поддерживает (?:html5|видео)|браузери шумо html5-ро дастгирӣ намекунад)\W*$"
        ),
    ),
    tail_start=(exact_line("Related posts"), exact_line("Share this:"), line_starting("Leave a Reply")),
    # Error and search pages, in the corpus's languages: said in a short line of their own.
    not_article=(
        re.compile(r"(?i)^\W*(?:error\s*)?404(?:\s*error|\s*[-–—:|]\s*\D{0,40})?\W*$"),
        re.compile(
            r"(?i)\bpage (?:was )?not (?:be )?found\b|\bpage (?:you|you're|you are) (?:were )?looking for\b"
        ),
        re.compile(r"(?i)\bthe page you requested\b|\bpage (?:does not|doesn't|no longer) exists?\b"),
        re.compile(r"(?i)^\W*(?:search results\b|no results found\b|results? for:)"),
        re.compile(r"(?i)страниц\w* не (?:найдена|существует)|ошибка 404|запрашиваем\w* страниц"),
        re.compile(r"(?i)^\W*результаты поиска|ничего не найдено|по вашему запросу"),
        re.compile(r"(?i)саҳифа\w* ёфт нашуд|саҳифа\w* вуҷуд надорад|натиҷа\w* (?:и )?ҷустуҷӯ"),
    ),
    # A pager under a column of items: only fronts, archives and search pages end like this.
    front_markers=(
        re.compile(r"(?i)^\W*(?:load|show|see|view) more(?: (?:stories|articles|news|results))?\W*$"),
        re.compile(r"(?i)^\W*(?:показать|загрузить) (?:ещ[её]|больше)\W*$"),
        re.compile(r"(?i)^\W*ёфтҳои бештар\W*$|^\W*бештар нишон диҳед\W*$"),
        # A blog's or section's archive, named so in its heading: "Qishloq Ovozi (Archive)".
        re.compile(r"(?i)^.{1,60}\((?:archives?|архив|бойгонӣ)\)\s*$"),
        # A section front's block headings: "Latest Tajikistan News", "More Tajikistan News".
        re.compile(r"^\s*(?:Latest|More) [A-Z][\w ]{1,30} News\s*$"),
        # An author's or a region's page: "Daler Saidov | 318 Articles", "Кавказ | 651 Articles".
        re.compile(r"(?i)^.{1,80}\|\s*[\d,. ]+\s+(?:articles|stories|posts|статей|статьи|материал\w*)\s*$"),
    ),
    # A dateline opening the lead, in Latin or Cyrillic script: "DUSHANBE -- ", "МОСКВА — ",
    # "Prague, 12 April 2005 (RFE/RL) -- ", "Душанбе, 12 апреля (РСЕ/РС) — ". A place in capitals,
    # or a place with a date or an agency in brackets, then a dash: "Путин — президент" is none.
    dateline=re.compile(
        r"^(?:(?P<caps>[A-ZА-ЯЁҲҚҶҒӢӮЎ][A-ZА-ЯЁҲҚҶҒӢӮЎ .'’-]{1,30}?[A-ZА-ЯЁҲҚҶҒӢӮЎ.])"
        r"|(?P<place>[A-ZА-ЯЁҲҚҶҒӢӮЎ][\w .'’-]{1,30}?)"
        r"(?=,\s+(?:\d|[^\W\d_]+\.?\s+\d)|\s*\((?:[^)]{0,10}/|RFE|РСЕ|Радио|AP|AFP|Reuters|Интерфакс|ТАСС)))"
        r"(?:,\s+(?P<date>\d{1,2}\.?\s+[^\W\d_]+\.?(?:\s+\d{4})?(?:\s*(?:года|г\.|соли))?"
        r"|[^\W\d_]+\.?\s+\d{1,2},\s+\d{4}))?"
        r"\s*(?:\([^)]{1,40}\))?\s*(?:--|—|–|-)\s"
    ),
    title="first",
)

# A WordPress category or tag archive ("Category Archives: X"), with theme chrome around posts.
LISTING = ListingTextRules(
    header=(
        line_starting("Category Archives:"),
        line_starting("Tag Archives:"),
        line_starting("Monthly Archives:"),
    ),
    post_end=re.compile(r"^Filed under (?P<tags>.+)$"),
    teaser_cut=(line_starting("Continue reading"),),
    drop_lines=(exact_line("Leave a comment"), re.compile(r"^\d+ (?:Comments?|Responses?)$")),
)

SITE = Site(key="other", name="Other", hosts=(), text=TEXT, listing=LISTING, html=HtmlRules())
