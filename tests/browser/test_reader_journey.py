"""A reader's journey through the public site in a real browser, and an axe-core
accessibility check of every kind of page at phone and desktop widths.

The live server runs with DEBUG off and the production CSP, so a page that
needed an inline style or script would show it here (as a console error).
"""

import re

import pytest
from playwright.sync_api import expect

from editorial.models import Claim, Evidence

from ..conftest import load_seed_data

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AEGIS = "/recommendations/deploy-aegis-ashore/"
WIDTHS = {"phone": 360, "desktop": 1280}


@pytest.fixture
def seeded_live(live_server, transactional_db):
    # The live server shares the test database but not the test's
    # transaction, so the content is loaded (and flushed) for real.
    load_seed_data()
    return live_server.url


def console_errors(page):
    errors = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.on("pageerror", lambda error: errors.append(str(error)))
    return errors


def test_a_reader_goes_from_the_home_page_to_a_quote_in_its_document(
    browser, seeded_live, screenshots
):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors = console_errors(page)

    page.goto(seeded_live + "/")
    expect(page.locator("h1")).to_have_text("What became of the recommendations")
    # The stylesheet was served and applied (a hashed name from the manifest).
    assert (
        page.evaluate("getComputedStyle(document.querySelector('.site-header')).backgroundColor")
        == "rgb(19, 41, 75)"
    )

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Recommendations").click()
    expect(page).to_have_url(seeded_live + "/recommendations/")

    page.get_by_label("Status").select_option("superseded")
    page.get_by_role("button", name="Apply filters").click()
    expect(page).to_have_url(re.compile(r"/recommendations/\?.*status=superseded"))
    results = page.locator(".card__title a")
    expect(results.first).to_be_visible()
    for title in results.all_text_contents():
        card = page.locator(".card", has_text=title)
        expect(card.locator(".badge")).to_have_text(re.compile("Superseded"))
    page.screenshot(path=screenshots / "journey-filtered-1280.png")

    page.get_by_role(
        "link", name="Deploy a land-based missile defense system such as Aegis Ashore"
    ).click()
    expect(page).to_have_url(seeded_live + AEGIS)
    expect(page.locator("h1")).to_have_text(
        "Deploy a land-based missile defense system such as Aegis Ashore"
    )

    supporting = page.locator("section.evidence--supports a.quote__link").first
    evidence = (
        Evidence.objects.filter(recommendation__slug="deploy-aegis-ashore", role="supports")
        .order_by("position")
        .select_related("claim__document")
        .first()
    )
    claim = evidence.claim
    expect(supporting).to_have_attribute(
        "href", f"/documents/{claim.document.slug}/#claim-{claim.pk}"
    )
    supporting.click()

    expect(page).to_have_url(f"{seeded_live}/documents/{claim.document.slug}/#claim-{claim.pk}")
    assert page.evaluate("location.hash") == f"#claim-{claim.pk}"
    target = page.locator(f"#claim-{claim.pk}")
    expect(target).to_be_in_viewport()
    assert target.evaluate("el => el.tagName") == "MARK"
    assert target.evaluate("el => el.matches(':target')")
    # Highlighted: every claim is marked, and the one linked to stands out.
    assert target.evaluate("el => getComputedStyle(el).backgroundColor") == "rgb(255, 213, 79)"
    other = page.locator("mark.claim[id]:not(:target)").first
    assert other.evaluate("el => getComputedStyle(el).backgroundColor") == "rgb(255, 241, 168)"
    page.screenshot(path=screenshots / "journey-quote-in-document-1280.png")

    assert errors == [], errors
    context.close()


def page_kinds():
    claim = Claim.objects.published().order_by("pk").first()
    return {
        "home": "/",
        "recommendations": "/recommendations/",
        "recommendations-filter-error": "/recommendations/?status=bogus",
        "recommendation": AEGIS,
        "documents": "/documents/",
        "document": "/documents/hoff-2016-next-steps/",
        "claims": "/claims/",
        "claim": f"/claims/{claim.pk}/",
        "policies": "/policies/",
        "policy": "/policies/aegis-ashore-introduction-2017/",
        "search": "/search/?q=missile+defense",
        "not-found": "/no-such-page/",
    }


def axe_violations(page, axe_script):
    page.add_script_tag(path=str(axe_script))
    results = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{v['impact']}: {v['id']} ({v['help']}) at "
        + ", ".join(node["target"][0] for node in v["nodes"][:3])
        for v in results["violations"]
    ], [v for v in results["violations"] if v["impact"] in ("serious", "critical")]


@pytest.mark.parametrize("device", WIDTHS)
def test_every_kind_of_page_passes_axe_with_no_serious_violation(
    browser, seeded_live, axe_script, screenshots, device
):
    width = WIDTHS[device]
    # axe is injected as a script the page's CSP would (rightly) refuse;
    # this context lets it in. The journey test above runs with the CSP on.
    context = browser.new_context(viewport={"width": width, "height": 860}, bypass_csp=True)
    page = context.new_page()
    problems = {}
    for name, path in page_kinds().items():
        response = page.goto(seeded_live + path)
        assert response.status in (200, 400, 404), (name, response.status)
        assert page.locator("h1").count() == 1, name
        # No sideways scrolling at phone width: everything fits.
        assert page.evaluate(
            "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
        ), f"{name} scrolls sideways at {width}px"
        page.screenshot(path=screenshots / f"{name}-{width}.png")
        described, serious = axe_violations(page, axe_script)
        if described:
            print(f"{name} at {width}px:", *described, sep="\n  ")
        if serious:
            problems[name] = described
    context.close()
    assert problems == {}, problems


def test_the_site_works_without_javascript(browser, seeded_live):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(seeded_live + "/recommendations/")
    page.get_by_label("Status").select_option("superseded")
    page.get_by_label("Topic").select_option("ballistic-missile-defense")
    page.get_by_role("button", name="Apply filters").click()
    expect(page).to_have_url(re.compile(r"status=superseded&.*topic=ballistic-missile-defense"))
    page.get_by_role("link", name=re.compile("Aegis Ashore")).click()
    page.locator("a.quote__link").first.click()
    expect(page).to_have_url(re.compile(r"/documents/hoff-2016-next-steps/#claim-\d+$"))
    expect(page.locator("mark.claim:target")).to_be_in_viewport()
    page.get_by_label("Search everything").fill("Aegis")
    page.get_by_label("Search everything").press("Enter")
    expect(page.locator("h2.results__count")).to_contain_text("for “Aegis”")
    context.close()


def test_keyboard_users_get_a_skip_link_and_a_visible_focus(browser, seeded_live):
    context = browser.new_context()
    page = context.new_page()
    page.goto(seeded_live + "/")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    page.keyboard.press("Enter")
    expect(page).to_have_url(seeded_live + "/#main")
    page.keyboard.press("Tab")
    focused = page.locator(":focus")
    assert focused.evaluate("el => el.closest('main') !== null")
    outline = focused.evaluate(
        "el => getComputedStyle(el).outlineStyle + ' ' + getComputedStyle(el).outlineWidth"
    )
    assert outline == "solid 3px", outline
    context.close()
