"""The library for machines: feeds that a feed reader parses, the sitemap, robots.txt,
schema.org data on each practice, and bulk downloads with the licences."""

import csv
import io
import json
import re

import feedparser
import pytest
from lxml import etree

from exchange.extensions import db
from exchange.moderation import services as moderation
from exchange.opendata import services
from exchange.practices.ebook import NOT_XML
from exchange.practices.models import Practice

SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


@pytest.fixture
def library(app, write, elena, salvatore, moderator):
    """Two Italian practices in two themes, a demo German one, a draft and a hidden one."""
    solar = write(elena, published=True, title="Solar roofs on schools", tags=["solar"])
    community = write(
        salvatore,
        published=True,
        title="Energy community",
        theme="energy-communities",
        licence="CC0-1.0",
        language="it",
    )
    write(elena, title="A draft that stays out")
    hidden = write(elena, published=True, title="A hidden practice")
    with app.app_context():
        moderation.hide_practice(
            db.session.get(Practice, hidden.id), db.session.merge(moderator), "Spam"
        )
    return {"solar": solar, "community": community}


def parsed_feed(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    assert response.mimetype == "application/atom+xml"
    feed = feedparser.parse(response.data)
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == "atom10"
    return feed


def test_the_atom_feed_lists_the_published_practices_only(client, library):
    feed = parsed_feed(client, "/practices/feed.atom")
    assert feed.feed.title == "Big European Exchange: best practices"
    assert feed.feed.link == "http://localhost/practices"
    assert [entry.title for entry in feed.entries] == ["Energy community", "Solar roofs on schools"]
    community, solar = feed.entries
    assert community.id == f"http://localhost/practices/{library['community'].id}"
    assert community.link == (
        f"http://localhost/practices/{library['community'].id}-energy-community"
    )
    assert community.rights == "CC0 1.0 https://creativecommons.org/publicdomain/zero/1.0/"
    assert solar.rights == "CC BY 4.0 https://creativecommons.org/licenses/by/4.0/"
    assert {link.rel: link.href for link in solar.links}["license"] == (
        "https://creativecommons.org/licenses/by/4.0/"
    )
    assert solar.author == "Campi Bisenzio" and community.author == "Ferla"
    assert [tag.term for tag in solar.tags] == ["renewable-energy", "IT", "solar"]
    assert solar.summary == "Six schools produce their own electricity."
    assert "<h2>The challenge</h2><p>Schools were" in solar.content[0].value
    assert community.published_parsed and community.updated_parsed


def test_theme_and_country_feeds_list_only_their_practices(client, library, write, make_user):
    write(make_user(administration="demo-musterstadt"), published=True, title="Heat register")
    theme = parsed_feed(client, "/practices/feeds/themes/energy-communities.atom")
    assert theme.feed.title == "Big European Exchange: best practices on Energy communities"
    assert [entry.title for entry in theme.entries] == ["Energy community"]
    italy = parsed_feed(client, "/practices/feeds/countries/it.atom")
    assert italy.feed.title == "Big European Exchange: best practices from Italy"
    assert [entry.title for entry in italy.entries] == [
        "Energy community",
        "Solar roofs on schools",
    ]
    germany = parsed_feed(client, "/practices/feeds/countries/DE.atom")
    assert [entry.title for entry in germany.entries] == ["Heat register"]


@pytest.mark.parametrize(
    "url",
    [
        "/practices/feeds/themes/no-such-theme.atom",
        "/practices/feeds/countries/XX.atom",
        "/practices/feeds/countries/ITA.atom",
        "/practices/feeds/countries/%C3%A9%C3%A9.atom",
        "/practices/feeds/themes/%F0%9F%92%A9%20%EF%BF%BE.atom",
    ],
)
def test_a_feed_of_nothing_we_know_is_not_found(client, event, url):
    assert client.get(url).status_code == 404


@pytest.mark.parametrize(
    "url", ["/practices/feeds/themes/%00.atom", "/practices/feeds/countries/I%00.atom"]
)
def test_a_feed_address_no_database_can_hold_is_refused(client, event, url):
    assert client.get(url).status_code == 400


def test_an_empty_library_still_has_a_valid_feed(client, event):
    assert parsed_feed(client, "/practices/feed.atom").entries == []


def test_the_feed_stays_well_formed_with_hostile_text(app, client, write, elena, naughty_strings):
    app.config["FEED_LENGTH"] = 500
    texts = ['<script>alert("x")</script> \x1b ]]> & “quotes”']
    texts += [text for text in naughty_strings[:150] if "\x00" not in text and text.strip()]
    titles = [write(elena, published=True, title=text[:200], summary=text).title for text in texts]
    feed = parsed_feed(client, "/practices/feed.atom")
    assert sorted(entry.title for entry in feed.entries) == sorted(
        NOT_XML.sub("", title).strip() for title in titles
    )


def jsonld(html):
    blocks = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    assert len(blocks) == 1
    return json.loads(blocks[0])


def test_the_json_ld_names_the_practice_its_administration_place_licence_and_dates(client, library):
    practice = library["community"]
    html = client.get(f"/practices/{practice.id}-{practice.slug}").get_data(as_text=True)
    data = jsonld(html)
    assert data["@context"] == "https://schema.org" and data["@type"] == "CreativeWork"
    assert data["name"] == "Energy community" and data["inLanguage"] == "it"
    assert data["url"] == f"http://localhost/practices/{practice.id}-energy-community"
    assert data["license"] == "https://creativecommons.org/publicdomain/zero/1.0/"
    assert data["author"]["@type"] == "GovernmentOrganization"
    assert data["author"]["name"] == "Ferla"
    assert data["spatialCoverage"] == {
        "@type": "AdministrativeArea",
        "name": "Ferla",
        "address": {"@type": "PostalAddress", "addressCountry": "IT"},
    }
    assert data["datePublished"].endswith("Z") and data["dateModified"].endswith("Z")
    assert data["temporalCoverage"] == "2021/.."
    assert data["about"] == "Energy communities"


def test_the_json_ld_cannot_close_its_script_element(client, write, elena):
    practice = write(elena, published=True, title="</script><script>alert(1)</script>")
    html = client.get(f"/practices/{practice.id}-{practice.slug}").get_data(as_text=True)
    assert jsonld(html)["name"] == "</script><script>alert(1)</script>"


def test_unpublished_practices_carry_no_structured_data(client, login, write, elena):
    draft = write(elena)
    login(client, elena)
    html = client.get(f"/practices/{draft.id}-{draft.slug}").get_data(as_text=True)
    assert "application/ld+json" not in html


def locations(client, url):
    response = client.get(url)
    assert response.status_code == 200 and response.mimetype == "application/xml"
    return [element.text for element in etree.fromstring(response.data).iter(f"{SITEMAP}loc")]


def test_the_sitemap_lists_the_public_pages_and_the_published_practices(client, library):
    assert locations(client, "/sitemap.xml") == [
        "http://localhost/sitemaps/pages.xml",
        "http://localhost/sitemaps/practices-1.xml",
    ]
    pages = locations(client, "/sitemaps/pages.xml")
    assert pages[:3] == [
        "http://localhost/",
        "http://localhost/practices",
        "http://localhost/practices/totals",
    ]
    assert "http://localhost/administrations/ferla" in pages
    practices = locations(client, "/sitemaps/practices-1.xml")
    assert practices == [
        f"http://localhost/practices/{library['solar'].id}-solar-roofs-on-schools",
        f"http://localhost/practices/{library['community'].id}-energy-community",
    ]
    assert client.get("/sitemaps/practices-2.xml").status_code == 404
    assert client.get("/sitemaps/practices-0.xml").status_code == 404


def test_the_sitemap_splits_a_large_library_into_files(client, library, monkeypatch):
    monkeypatch.setattr(services, "SITEMAP_SIZE", 1)
    assert locations(client, "/sitemap.xml")[1:] == [
        "http://localhost/sitemaps/practices-1.xml",
        "http://localhost/sitemaps/practices-2.xml",
    ]
    second = locations(client, "/sitemaps/practices-2.xml")
    assert second == [f"http://localhost/practices/{library['community'].id}-energy-community"]


def test_robots_txt_opens_the_library_closes_personal_pages_and_names_the_sitemap(client):
    response = client.get("/robots.txt")
    assert response.mimetype == "text/plain"
    lines = response.get_data(as_text=True).splitlines()
    assert "Sitemap: http://localhost/sitemap.xml" in lines
    assert {"Disallow: /account", "Disallow: /rooms/", "Disallow: /moderation"} <= set(lines)
    assert not any(line in ("Disallow: /", "Disallow: /practices") for line in lines)


def test_the_json_download_holds_every_published_practice_with_its_licence(client, library):
    response = client.get("/practices/library.json")
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="big-european-exchange-practices.json"'
    )
    data = json.loads(response.data)
    assert [p["title"] for p in data["practices"]] == ["Solar roofs on schools", "Energy community"]
    assert [p["licence"]["id"] for p in data["practices"]] == ["CC-BY-4.0", "CC0-1.0"]
    assert [licence["id"] for licence in data["licences"]] == [
        "CC-BY-4.0",
        "CC-BY-SA-4.0",
        "CC0-1.0",
    ]
    api = client.get(f"/api/practices/{library['solar'].id}").get_json()["practice"]
    assert data["practices"][0] == api


def test_the_csv_download_holds_every_published_practice_with_its_licence(client, library):
    response = client.get("/practices/library.csv")
    assert response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [row["title"] for row in rows] == ["Solar roofs on schools", "Energy community"]
    assert [(row["licence"], row["licence_url"]) for row in rows] == [
        ("CC-BY-4.0", "https://creativecommons.org/licenses/by/4.0/"),
        ("CC0-1.0", "https://creativecommons.org/publicdomain/zero/1.0/"),
    ]
    solar = rows[0]
    assert solar["administration"] == "campi-bisenzio" and solar["country"] == "IT"
    assert solar["tags"] == "solar" and solar["year_from"] == "2021" and solar["year_to"] == ""
    assert solar["challenge"] == "Schools were the largest item of the electricity bill."


def test_the_csv_download_keeps_formulas_from_running(client, write, elena):
    write(elena, published=True, title='=HYPERLINK("http://evil")', tags=["+cmd"])
    rows = list(
        csv.DictReader(io.StringIO(client.get("/practices/library.csv").get_data(as_text=True)))
    )
    assert rows[0]["title"] == '\'=HYPERLINK("http://evil")'
    assert rows[0]["tags"] == "'+cmd"


def test_the_downloads_read_a_large_library_in_batches(app_ctx, library, write, elena):
    everything = [practice.title for practice in services.library(batch_size=1)]
    assert everything == ["Solar roofs on schools", "Energy community"]
