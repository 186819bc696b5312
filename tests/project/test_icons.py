"""The icon font is cut down to the icons the pages use (cohesion.icons, `make icons`): an icon
used but missing from the subset, or a class name put together at run time, fails here rather
than showing an empty square on a page."""

from io import StringIO

import pytest
from django.core.management import call_command
from fontTools.ttLib import TTFont

from cohesion import icons


def test_every_icon_the_pages_use_is_in_the_subset():
    usage = icons.icons_used()
    assert usage.icons, "the search found no icon at all"
    missing = {
        name: sorted(files)
        for name, files in usage.icons.items()
        if name not in icons.subset_icons()
    }
    assert missing == {}, "run `make icons`"


def test_no_icon_class_is_put_together_at_run_time():
    assert icons.icons_used().built == []


def test_the_served_font_has_each_subset_icons_glyph_at_the_packages_code_point():
    package = icons.codepoints(icons.SOURCE_CSS.read_text(encoding="utf-8"))
    font = TTFont(icons.TARGET / icons.FONT_NAME)
    characters = font.getBestCmap()
    for name, code in icons.subset_icons().items():
        assert package[name] == code, name
        assert code in characters, name
    assert font.flavor == "woff2"


def test_the_check_command_passes_on_the_project():
    out = StringIO()
    call_command("build_icons", "--check", stdout=out)
    assert "has all" in out.getvalue()


def test_the_search_finds_icons_in_templates_python_and_scripts_and_skips_vendored(tmp_path):
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "page.html").write_text(
        '<i class="bi {% if ok %}bi-check-circle{% else %}bi-x-circle{% endif %}"></i>'
    )
    (tmp_path / "views.py").write_text('ICON = "bi-alarm-fill"\n')
    (tmp_path / "static" / "js").mkdir(parents=True)
    (tmp_path / "static" / "js" / "map.js").write_text('el.className = "bi bi-geo-alt";\n')
    (tmp_path / "static" / "vendor").mkdir()
    (tmp_path / "static" / "vendor" / "lib.js").write_text('"bi-bug"\n')
    usage = icons.icons_used(tmp_path)
    assert set(usage.icons) == {"check-circle", "x-circle", "alarm-fill", "geo-alt"}
    assert usage.built == []


@pytest.mark.parametrize(
    "name, text",
    [
        ("page.html", '<i class="bi bi-{{ icon }}"></i>'),
        ("views.py", 'icon = f"bi-{name}"\n'),
        ("views.py", 'icon = "bi-%s" % name\n'),
        ("app.js", 'el.className = "bi-" + name;\n'),
        ("app.js", "el.className = `bi-${name}`;\n"),
    ],
)
def test_a_class_name_put_together_at_run_time_is_found(tmp_path, name, text):
    (tmp_path / name).write_text("\n" + text)
    assert icons.icons_used(tmp_path).built == [f"{name}:2"]


def test_a_subset_has_exactly_the_icons_asked_for(tmp_path):
    icons.build({"alarm", "people-fill"}, target=tmp_path)
    package = icons.codepoints(icons.SOURCE_CSS.read_text(encoding="utf-8"))
    assert icons.subset_icons(tmp_path) == {
        "alarm": package["alarm"],
        "people-fill": package["people-fill"],
    }
    font = TTFont(tmp_path / icons.FONT_NAME)
    assert set(font.getBestCmap()) == {package["alarm"], package["people-fill"]}
    css = (tmp_path / icons.CSS_NAME).read_text()
    assert f'url("{icons.FONT_NAME}") format("woff2")' in css
    assert "Licensed under MIT" in css


def test_an_icon_bootstrap_does_not_have_is_refused(tmp_path):
    with pytest.raises(ValueError, match="bi-no-such-icon"):
        icons.build({"alarm", "no-such-icon"}, target=tmp_path)
    assert not (tmp_path / icons.FONT_NAME).exists()
