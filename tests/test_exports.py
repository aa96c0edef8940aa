import polars as pl

from retention_core.exports import to_safe_csv


def test_formula_cells_are_neutralised_and_others_untouched():
    frame = pl.DataFrame({"email": ["=HYPERLINK(\"x\")", "+1", "-2+3", "@SUM(A1)", "ok@x.io", None],
                          "n": [-1, 2, 3, 4, 5, 6]})
    text = to_safe_csv(frame).decode("utf-8-sig")
    lines = text.splitlines()
    assert lines[1] == '"\'=HYPERLINK(""x"")",-1'
    assert lines[2] == "'+1,2"
    assert lines[3] == "'-2+3,3"
    assert lines[4] == "'@SUM(A1),4"
    assert lines[5] == "ok@x.io,5"  # only a leading character counts
    assert lines[0] == "email,n" and lines[6] == ",6"
