"""The emergency detector: every phrase of the emergency list is caught, none of the
ordinary-history list is, in English and Vietnamese, with typos, without diacritics, in any case.
"""

from __future__ import annotations

import pytest

from bot.emergency import detect, is_emergency, normalise

EMERGENCIES = [
    # English
    "my chest hurts so bad right now",
    "Severe chest pain and sweating",
    "I have crushing pain in my chest",
    "chset pain since an hour",
    "I can't breathe",
    "cant breath properly",
    "my son is having trouble breathing",
    "she is short of breath and her lips are blue",
    "I think my dad is having a stroke, his face is drooping",
    "slurred speech and my arm feels numb suddenly",
    "bleeding heavily after giving birth",
    "the cut won't stop bleeding",
    "my husband passed out and is unconcious",
    "she collapsed and won't wake up",
    "my daughter is having a siezure",
    "he is convulsing",
    "I took too many pills",
    "i think i overdosed on my sleeping pills",
    "i want to kill myself",
    "I have suicidal thoughts",
    "thinking about ending my life",
    "i keep hurting myself",
    "having a severe allergic reaction, throat is swelling",
    "anaphylaxis after a bee sting",
    "MY BABY IS TURNING BLUE",
    "I think I'm having a heart attack",
    "this is an emergency, call an ambulance",
    "vomiting blood",
    "worst headache of my life, came on suddenly",
    "my toddler swallowed a battery",
    "I had a stroke in 2019 and now my face is drooping again",
    "difficulty breathing",
    "brething is hard",
    # Vietnamese, with and without diacritics, with typos
    "Tôi đang bị đau ngực dữ dội",
    "dau nguc qua",
    "bố tôi khó thở lắm",
    "toi khong tho duoc",
    "con tôi thở không nổi",
    "mẹ tôi bị méo miệng, nói không rõ chữ",
    "hình như ông tôi đang bị đột quỵ",
    "dau hieu dot quy",
    "chảy máu nhiều không cầm được",
    "vo toi bang huyet sau sinh",
    "chồng tôi bị ngất xỉu",
    "ba toi bat tinh roi",
    "bé đang co giật",
    "toi uong qua lieu thuoc ngu",
    "tôi muốn tự tử",
    "toi khong muon song nua",
    "em muốn chết",
    "bị sốc phản vệ sau khi tiêm",
    "bé bị tím tái",
    "môi bé bị tím",
    "be bi tim tai",
    "nghi bị nhồi máu cơ tim",
    "cứu với, gọi cấp cứu giúp tôi",
    "tôi tự làm hại bản thân",
    "khó thỏ quá",
    "tôi bị ói ra máu",
    "Tôi thấy tức ngực, vã mồ hôi",
    "đau đầu dữ dội đột ngột",
    "con toi nuot pin",
    "ĐAU NGỰC",
    "muon tu tu",
    "em bé không thở",
    "con tôi uống nhầm thuốc",
    "mat ben trai bi meo",
    "he cant breath",
]

NOT_EMERGENCIES = [
    # English
    "stroke in 2019, fully recovered",
    "allergic to penicillin",
    "stage II breast cancer",
    "my father had a heart attack years ago",
    "I had chest pain two years ago, tests were normal",
    "no chest pain, no shortness of breath",
    "I don't have any trouble breathing",
    "history of seizures as a child",
    "I'm not responding to my treatment",
    "my doctor recommended heart surgery",
    "I want a second opinion about my thyroid nodule",
    "the results of my MRI are unclear",
    "my mother died of a stroke when I was young",
    "I had surgery three weeks ago",
    "asthma, well controlled with an inhaler",
    "bleeding gums when I brush my teeth",
    "I take blood thinners",
    "the chemo has serious side effects",
    "the treatment is experimental",
    "I feel fine but I want another opinion",
    "the costs differ a lot between hospitals",
    "previous overdose of paracetamol in 2015",
    "I passed out once as a teenager",
    "family history of heart attacks",
    "no history of self harm",
    "I never had suicidal thoughts",
    "This is not an emergency",
    "I'm lying down most of the day",
    "i had food poisoning",
    "trouble breastfeeding my baby",
    "heavy menstrual bleeding for years",
    "my eyelid is a bit droopy",
    "i dont want to die from this cancer",
    # Vietnamese
    "bị đột quỵ năm 2019, đã hồi phục hoàn toàn",
    "dị ứng với penicillin",
    "ung thư vú giai đoạn II",
    "bố tôi bị nhồi máu cơ tim cách đây 5 năm",
    "tôi không bị khó thở",
    "khong dau nguc",
    "tôi cần tư vấn về kết quả xét nghiệm",
    "toi dinh tu van them bac si",
    "cho toi tu tu suy nghi",
    "tôi đang tìm tài liệu về bệnh",
    "dang tim tai lieu",
    "bác sĩ nói cần phẫu thuật",
    "tôi đang điều trị ung thư nhưng không đáp ứng",
    "kết quả chụp cộng hưởng từ không rõ ràng",
    "mẹ tôi từng bị tai biến, giờ đã khỏe",
    "tiền sử động kinh, đã ổn định",
    "tôi bị dị ứng nặng với tôm",
    "hồi nhỏ tôi hay bị ngất",
    "chi phí điều trị ở hai bệnh viện khác nhau nhiều, giá cắt cổ",
    "toi bi ngat ket noi mang",
    "tôi đang uống nhiều loại thuốc cùng lúc",
    "em bé bị vàng da",
    "hen suyễn, đã kiểm soát tốt",
    "phẫu thuật tim cách đây 3 tuần",
    "không có ý định tự tử",
    "con tôi đang học lớp 3",
    "điện thoại đang sạc pin",
    "bố tôi bị tim",
    "các nghiên cứu với bệnh nhân",
    "toi moi tim thay bac si",
    "I had a seizure in childhood",
    "đau ngực đã hết",
    "my baby has blue eyes",
    "I want to know about stroke rehab",
    "bố tôi mất vì đột quỵ",
    "I no longer have chest pain",
    "shortness of breath for years due to asthma",
]


def test_lists_are_big_enough():
    assert len(EMERGENCIES) >= 40
    assert len(NOT_EMERGENCIES) >= 40
    assert len(set(EMERGENCIES)) == len(EMERGENCIES)
    assert len(set(NOT_EMERGENCIES)) == len(NOT_EMERGENCIES)


def test_rates():
    caught = [p for p in EMERGENCIES if is_emergency(p)]
    alarms = [p for p in NOT_EMERGENCIES if is_emergency(p)]
    detection = len(caught) / len(EMERGENCIES)
    false_alarm = len(alarms) / len(NOT_EMERGENCIES)
    print(f"\nemergency detection rate: {detection:.1%} ({len(caught)}/{len(EMERGENCIES)}); "  # noqa: T201
          f"false-alarm rate: {false_alarm:.1%} ({len(alarms)}/{len(NOT_EMERGENCIES)})")
    missed = sorted(set(EMERGENCIES) - set(caught))
    wrong = {p: detect(p) for p in alarms}
    assert not missed, f"missed emergencies: {missed}"
    assert not wrong, f"false alarms: {wrong}"


@pytest.mark.parametrize("phrase", EMERGENCIES)
def test_each_emergency_is_caught(phrase):
    assert detect(phrase) is not None


@pytest.mark.parametrize("phrase", NOT_EMERGENCIES)
def test_each_history_is_not_an_alarm(phrase):
    assert detect(phrase) is None, detect(phrase)


def test_normalise():
    assert normalise("  Đau   NGỰC!! ") == "dau nguc"
    assert normalise("Khó thở, can't breathe") == "kho tho cant breathe"
    assert normalise("Tự tử") == "tu tu"


@pytest.mark.parametrize("phrase", ["", "   ", "👍", "/start", "12345", "ok", "yes"])
def test_trivial_input(phrase):
    assert detect(phrase) is None


def test_categories():
    assert detect("i can't breathe").category == "breathing"  # type: ignore[union-attr]
    assert detect("tôi muốn tự tử").category == "self_harm"  # type: ignore[union-attr]
    assert detect("chest pain").category == "chest_pain"  # type: ignore[union-attr]


def test_past_history_does_not_cancel_thoughts_of_suicide():
    assert is_emergency("I tried suicide years ago and I feel suicidal again")
    assert is_emergency("năm ngoái tôi đã muốn tự tử")


def test_emergency_after_history_in_another_clause():
    assert is_emergency("had a heart attack in 2019, now crushing chest pain")
    assert is_emergency("bị tai biến năm 2018, giờ lại méo miệng")


def test_long_text_is_fast_and_bounded():
    text = "I want a second opinion about my knee. " * 100 + "I can't breathe"
    assert len(text) < 4096
    assert is_emergency(text)


def _typos(word: str) -> list[str]:
    letters = "abcdefghijklmnopqrstuvwxyz"
    out = [word[:i] + word[i + 1:] for i in range(len(word))]
    out += [word[:i] + word[i + 1] + word[i] + word[i + 2:] for i in range(len(word) - 1)]
    out += [word[:i] + c + word[i:] for i in range(len(word) + 1) for c in letters[::5]]
    out += [word[:i] + c + word[i + 1:] for i in range(len(word)) for c in letters[::5]]
    return out


def test_the_first_word_index_never_hides_a_match():
    """The index only narrows where rules are tried; the matcher alone decides. Every start the
    matcher accepts (also for typos of every word) must be among the index's candidates."""
    from bot.emergency import _clauses, _first_word_index, _match_from, rules

    texts = EMERGENCIES + NOT_EMERGENCIES
    for phrase in EMERGENCIES[:32]:
        for word in phrase.split():
            texts += [phrase.replace(word, typo, 1) for typo in _typos(word)[:6]]
    index = _first_word_index()
    for text in texts:
        for words in _clauses(text):
            starts = index.starts(words)
            for number, rule in enumerate(rules()):
                brute = {i for i in range(len(words)) if _match_from(rule.slots, words, i) >= 0}
                assert brute <= set(starts.get(number, ())), (text, rule.source)
