import hashlib
import hmac
import os
import stat

import numpy as np
import pandas as pd
import pytest

from custrel.errors import DataValidationError, ParameterError
from custrel.report.privacy import (
    Pseudonymizer,
    generate_key,
    read_key_file,
    write_key_file,
)

KEY = bytes(range(32))


def test_pseudonym_is_hmac_sha256_of_the_id_text():
    p = Pseudonymizer(key=KEY, hex_digits=64, prefix="")
    got = p.pseudonymize(pd.Index(["C-001"]))[0]
    assert got == hmac.new(KEY, b"C-001", hashlib.sha256).hexdigest()


def test_same_key_same_pseudonyms_across_instances_and_order():
    ids = pd.Index(["a", "b", "c", "a"], name="customer_id")
    p1 = Pseudonymizer(key=KEY).pseudonymize(ids)
    p2 = Pseudonymizer(key=KEY).pseudonymize(ids[::-1])
    assert list(p1) == list(p2[::-1])
    assert p1[0] == p1[3]
    assert len(set(p1)) == 3
    assert p1.name == "customer_id"


def test_other_key_other_pseudonyms():
    ids = pd.Index(["a", "b"])
    assert set(Pseudonymizer(key=KEY).pseudonymize(ids)).isdisjoint(
        Pseudonymizer(key=bytes(32)).pseudonymize(ids)
    )


def test_integer_and_text_ids_agree():
    p = Pseudonymizer(key=KEY)
    assert list(p.pseudonymize(pd.Index([1, 2]))) == list(p.pseudonymize(pd.Index(["1", "2"])))


def test_frame_replaces_index_or_column_and_keeps_values():
    p = Pseudonymizer(key=KEY)
    df = pd.DataFrame({"cid": ["x", "y"], "v": [1.0, 2.0]}).set_index("cid", drop=False)
    by_index = p.frame(df)
    assert "x" not in by_index.index
    assert by_index["v"].tolist() == [1.0, 2.0]
    by_col = p.frame(df.reset_index(drop=True), column="cid")
    assert by_col["cid"].tolist() == list(p.pseudonymize(pd.Index(["x", "y"])))
    with pytest.raises(ParameterError, match="column 'nope'"):
        p.frame(df, column="nope")


def test_mapping_table():
    p = Pseudonymizer(key=KEY)
    m = p.mapping(pd.Index(["b", "a", "b"]))
    assert m.index.tolist() == ["b", "a"]
    assert m.name == "pseudonym"


def test_key_validation():
    with pytest.raises(
        ParameterError, match=r"Pseudonymizer\.key must be bytes of length >= 16; got 3"
    ):
        Pseudonymizer(key=b"abc")
    with pytest.raises(ParameterError, match="hex_digits"):
        Pseudonymizer(key=KEY, hex_digits=8)


def test_collision_is_raised_not_merged(monkeypatch):
    p = Pseudonymizer(key=KEY, hex_digits=16)

    def constant(key, msg, digest):
        return b"\x00" * 32

    monkeypatch.setattr("custrel.report.privacy.hmac.digest", constant)
    with pytest.raises(DataValidationError, match="collision"):
        p.pseudonymize(pd.Index(["a", "b"]))


def test_key_file_roundtrip_has_owner_only_permissions(tmp_path):
    key = generate_key()
    assert len(key) == 32
    assert key != generate_key()
    path = write_key_file(tmp_path / "k.key", key)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert read_key_file(path) == key
    with pytest.raises(ParameterError, match="already exists"):
        write_key_file(path, key)


def test_read_key_file_errors(tmp_path):
    with pytest.raises(ParameterError, match="does not exist"):
        read_key_file(tmp_path / "missing")
    bad = tmp_path / "bad"
    bad.write_text("not hex")
    with pytest.raises(ParameterError, match="hexadecimal"):
        read_key_file(bad)


def test_pseudonymize_many_ids_is_fast_enough():
    ids = pd.Index(np.arange(50_000))
    out = Pseudonymizer(key=KEY).pseudonymize(ids)
    assert out.nunique() == 50_000


def test_scrub_removes_ids_and_example_lists_but_keeps_numbers():
    p = Pseudonymizer(key=KEY)
    ids = {"ANN-7", "BOB", "42"}
    text = "ANN-7, BOB: 42 rows violate it (e.g. row 3 with values 'ANN-7'); see BOBBY"
    out = p.scrub(text, ids)
    assert "ANN-7" not in out
    assert "BOB:" not in out
    assert "(examples withheld)" in out
    assert "42 rows" in out  # numbers cannot be told from counts; example lists go as a whole
    assert "BOBBY" in out  # only whole words are ids
    assert p.pseudonymize(pd.Index(["ANN-7"]))[0] in out
