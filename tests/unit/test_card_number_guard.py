"""The suite-wide card-number guard finds what it must and ignores our own numbers (P2)."""

from tests.card_number_guard import card_numbers_in


def test_finds_test_cards_of_every_brand_in_any_spelling():
    # covers: P1, P2
    text = "4111 1111 1111 1111 / 5555-5555-5555-4444 / 3530111333300000 / 378282246310005 / 36227206271667"
    assert card_numbers_in(text) == [
        "4111111111111111",
        "5555555555554444",
        "3530111333300000",
        "378282246310005",
        "36227206271667",
    ]


def test_ignores_shop_numbers_that_are_not_cards():
    # covers: P2
    ours = "K202611-00001 Q202611-00042 T1234567890123 03-1234-5678 100-0005 ¥1,234,567 4111111111111112"
    assert card_numbers_in(ours) == []


def test_finds_a_number_inside_japanese_text_but_not_inside_a_hash():
    # covers: P2
    assert card_numbers_in("カード番号4111111111111111で決済") == ["4111111111111111"]
    assert card_numbers_in("md5$abc$4111111111111111ff") == []
