"""Field encryption: authenticated, purpose-bound, rotatable; blind indexes stay stable."""

from __future__ import annotations

import os
import stat

import pytest

from storage.crypto import CryptoError, FieldCipher, generate_key, load_or_create_key_file


def test_round_trip_text_and_json():
    cipher = FieldCipher(generate_key())
    token = cipher.encrypt_text("I felt hopeless on Sunday", "answers.value")
    assert b"hopeless" not in token
    assert cipher.decrypt_text(token, "answers.value") == "I felt hopeless on Sunday"
    blob = cipher.encrypt_json({"note": "ünïcode", "n": 3}, "homework.data")
    assert cipher.decrypt_json(blob, "homework.data") == {"note": "ünïcode", "n": 3}


def test_same_plaintext_encrypts_differently():
    cipher = FieldCipher(generate_key())
    assert cipher.encrypt("x", "p") != cipher.encrypt("x", "p")


def test_ciphertext_names_version_and_key():
    cipher = FieldCipher(generate_key())
    token = cipher.encrypt("x", "p")
    assert token[0] == 1
    assert token[1:9] == cipher.active_key_id


@pytest.mark.parametrize("position", [0, 5, 12, 25, -1])
def test_tampering_is_detected(position):
    cipher = FieldCipher(generate_key())
    token = bytearray(cipher.encrypt("call me at 555", "answers.value"))
    token[position] ^= 0x01
    with pytest.raises(CryptoError):
        cipher.decrypt(bytes(token), "answers.value")


def test_ciphertext_cannot_move_between_columns():
    cipher = FieldCipher(generate_key())
    token = cipher.encrypt("secret", "answers.value")
    with pytest.raises(CryptoError, match="authentication"):
        cipher.decrypt(token, "patients.alias")


def test_old_keys_still_decrypt_and_unknown_keys_fail_clearly():
    old, new = generate_key(), generate_key()
    token = FieldCipher(old).encrypt("x", "p")
    rotated = FieldCipher(new, [old])
    assert rotated.decrypt(token, "p") == b"x"
    assert not rotated.is_current(token)
    assert rotated.is_current(rotated.reencrypt(token, "p"))
    with pytest.raises(CryptoError, match="unknown key id"):
        FieldCipher(new).decrypt(token, "p")


def test_garbage_is_rejected():
    with pytest.raises(CryptoError):
        FieldCipher(generate_key()).decrypt(b"\x01short", "p")


def test_blind_index_is_keyed_purpose_bound_and_survives_rotation():
    setup_key = generate_key()
    before = FieldCipher(setup_key, index_key=setup_key)
    after = FieldCipher(generate_key(), [setup_key], index_key=setup_key)
    assert before.blind_index("12345", "tg") == after.blind_index("12345", "tg")
    assert before.blind_index("12345", "tg") != before.blind_index("12345", "staff")
    assert before.blind_index("12345", "tg") != FieldCipher(generate_key()).blind_index(
        "12345", "tg"
    )
    assert "12345" not in before.blind_index("12345", "tg")


def test_bad_keys_are_refused():
    with pytest.raises(ValueError, match="32 bytes"):
        FieldCipher("c2hvcnQ=")
    with pytest.raises(ValueError, match="base64"):
        FieldCipher("not base64 at all!!")


def test_key_file_is_created_owner_only_then_reused(tmp_path):
    path = tmp_path / "keys" / "data.key"
    key, created = load_or_create_key_file(path)
    assert created
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    again, created_again = load_or_create_key_file(path)
    assert (again, created_again) == (key, False)
    FieldCipher(key)
