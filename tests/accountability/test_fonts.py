from accountability.notices.fonts import (
    FREE,
    OFFICIAL,
    docx_fonts,
    official_fonts_enabled,
    pdf_fonts,
)


def test_by_default_the_free_stand_ins_are_named():
    assert pdf_fonts(False) == FREE
    assert FREE.body == "Noto Serif CJK SC" and FREE.kai == "AR PL UKai CN"


def test_official_fonts_are_used_in_the_pdf_only_where_installed():
    some = frozenset({"仿宋_GB2312", "Noto Serif CJK SC"})
    fonts = pdf_fonts(True, some)
    assert fonts.body == "仿宋_GB2312"
    assert fonts.title == FREE.title and fonts.title_bold  # 方正小标宋简体 missing: stand-in
    everything = frozenset(OFFICIAL.families())
    assert pdf_fonts(True, everything).title == "方正小标宋简体"
    assert not pdf_fonts(True, everything).title_bold


def test_the_docx_names_the_official_fonts_when_the_setting_is_on():
    assert docx_fonts(True) == OFFICIAL and docx_fonts(False) == FREE


def test_the_setting_is_read_from_the_settings_object_when_it_has_the_field():
    class WithField:
        official_fonts = True

    assert official_fonts_enabled(WithField()) is True
    assert official_fonts_enabled(object()) is False
