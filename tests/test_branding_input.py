"""Branding input checks, diffs and menu edits: pure functions, no server."""

from __future__ import annotations

import json

import pytest

from vconsole.models.branding import Branding, Capabilities, MenuItem, Theme
from vconsole.services import branding_edit as edit
from vconsole.services.branding_diff import branding_diff
from vconsole.services.branding_input import (
    BrandingInputError,
    check_branding,
    parse_document,
    url_problem,
)

CAPS = Capabilities.for_version("37.2")

# The worked example of the reference (§5): what vcd-h5-themes' example-customlinks.ps1 sends.
REFERENCE_EXAMPLE = {
    "portalName": "My Cloud Portal",
    "portalColor": "#0C0C01",
    "selectedTheme": {"themeType": "CUSTOM", "name": "MyCloud"},
    "customLinks": [
        {"name": "about", "menuItemType": "override", "url": "https://my.company.com/about/"},
        {"name": "Support", "menuItemType": "section"},
        {"name": "Help Desk", "menuItemType": "link", "url": "https://my.company.com/helpdesk/"},
        {
            "name": "Contact Us",
            "menuItemType": "link",
            "url": "mailto:contact@my.company.com?subject=Web Support",
        },
        {"menuItemType": "separator"},
        {"name": "Services", "menuItemType": "section"},
        {
            "name": "Other services",
            "menuItemType": "link",
            "url": "https://my.company.com/services/",
        },
        {"menuItemType": "separator"},
        {
            "name": "Terms & Conditions",
            "menuItemType": "link",
            "url": "https://my.company.com/tsandcs/",
        },
    ],
}


def test_the_reference_example_is_accepted_without_warnings() -> None:
    patch = parse_document(json.dumps(REFERENCE_EXAMPLE), CAPS)
    assert patch.present == {"portalName", "portalColor", "selectedTheme", "customLinks"}
    assert patch.warnings == ()
    assert len(patch.links) == 9 and patch.links[3].url.startswith("mailto:")
    assert patch.theme == Theme("MyCloud", "CUSTOM")


def test_export_is_the_api_shape_and_round_trips() -> None:
    patch = parse_document(json.dumps(REFERENCE_EXAMPLE), CAPS)
    exported = patch.apply_to(Branding("x")).to_api()
    assert exported["customLinks"] == REFERENCE_EXAMPLE["customLinks"]
    again = parse_document(json.dumps(exported), CAPS)
    assert again.links == patch.links


def _error(doc: object, caps: Capabilities = CAPS) -> str:
    with pytest.raises(BrandingInputError) as info:
        parse_document(doc if isinstance(doc, str) else json.dumps(doc), caps, "brand.json")
    return str(info.value)


def test_invalid_json_names_line_and_column() -> None:
    msg = _error('{"portalName": "x",\n  "customLinks": [,]}')
    assert msg.startswith("brand.json: line 2 column") and "invalid JSON" in msg


def test_unknown_menu_item_type_names_the_item() -> None:
    msg = _error(
        {
            "customLinks": [
                {"menuItemType": "section", "name": "A"},
                {"menuItemType": "menu", "name": "B"},
            ]
        }
    )
    assert "customLinks[1] (item 2" in msg and "unknown menuItemType 'menu'" in msg
    assert "accepted: link, section, override, separator" in msg


def test_link_without_url_and_unknown_override_name_their_positions() -> None:
    msg = _error(
        {
            "customLinks": [
                {"menuItemType": "override", "name": "legal", "url": "https://x.example/"},
                {"menuItemType": "section", "name": "S"},
                {"menuItemType": "link", "name": "Docs"},
            ]
        }
    )
    assert "customLinks[0] (item 1, override \"legal\"): override name 'legal' is not known" in msg
    assert "accepted: help, about, vmrc, imprint" in msg
    assert 'customLinks[2] (item 3, link "Docs"): a link needs a url' in msg


def test_imprint_is_only_known_from_36() -> None:
    doc = {"customLinks": [{"menuItemType": "override", "name": "imprint", "url": None}]}
    parse_document(json.dumps(doc), CAPS)
    assert "accepted: help, about, vmrc" in _error(doc, Capabilities.for_version("35.0"))


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("https://portal.example/help", True),
        ("http://10.0.0.1:8080/x", True),
        ("mailto:noc@example.com", True),
        ("javascript:alert(1)", False),
        ("ftp://files.example/", False),
        ("www.example.com", False),
        ("https://", False),
        ("mailto:", False),
        ("https://bad host/", False),
    ],
)
def test_url_rules(url: str, ok: bool) -> None:
    assert (url_problem(url) is None) is ok


def test_colour_and_theme_shape_are_checked() -> None:
    msg = _error({"portalColor": "red", "selectedTheme": {"themeType": "CUSTOM"}})
    assert "portalColor: 'red' is not a hex colour; accepted: #RRGGBB" in msg
    assert "selectedTheme: expected" in msg


def test_menu_shape_warnings() -> None:
    links = (
        MenuItem("separator"),
        MenuItem("section", "Empty"),
        MenuItem("section", "Full"),
        MenuItem("link", "A", "https://a.example/"),
        MenuItem("separator"),
    )
    errors, warnings = check_branding(Branding("p", links=links), CAPS)
    text = "\n".join(str(w) for w in warnings)
    assert not errors
    assert "customLinks[0] (item 1, separator): the user menu starts with a separator" in text
    assert 'customLinks[1] (item 2, section "Empty"): this section has no links under it' in text
    assert "customLinks[4] (item 5, separator): the user menu ends with a separator" in text
    assert "Full" not in text


def test_pre_97_key_url_items_are_refused_with_a_hint() -> None:
    assert "pre-9.7 {key, url} format" in _error(
        {"customLinks": [{"key": "help", "url": "https://x/"}]}
    )


def test_diff_lists_exactly_what_changes() -> None:
    before = Branding(
        "Old",
        None,
        Theme("Default"),
        (MenuItem("section", "S"), MenuItem("link", "A", "https://a/")),
    )
    after = Branding(
        "New",
        "#112233",
        Theme("Default"),
        (MenuItem("section", "S"), MenuItem("link", "A", "https://b/")),
    )
    text = branding_diff("tenant acme", before, after).text()
    assert text.splitlines() == [
        "Changes to tenant acme:",
        '  ~ portalName: "Old" -> "New"',
        "  ~ portalColor: (theme default) -> #112233",
        '  ~ customLinks[1]: link "A" https://a/ -> link "A" https://b/',
    ]
    assert branding_diff("system", before, before).empty


def test_menu_edits_add_move_delete() -> None:
    links = (MenuItem("override", "help"), MenuItem("section", "S"))
    links, at = edit.insert_after(links, 1, MenuItem("link", "A", "https://a/"))
    assert at == 2
    links, at = edit.insert_after(links, 2, MenuItem("override", "about"))
    assert at == 1 and links[1].name == "about"
    links, at = edit.move(links, 3, -1)
    assert [m.name for m in links] == ["help", "about", "A", "S"] and at == 2
    links, at = edit.move(links, 0, -1)
    assert at == 0
    links, at = edit.delete_at(links, 3)
    assert len(links) == 3 and at == 2
