"""The Wagtail admin reads in Japanese for the project's own pages (issue 11).

For every page type of the project the editor opens the "add" form and the
edit form of an existing page, and every label, panel heading, help text,
choice and StreamField block label the editor sees must be translated: no
text may still be one of the project's English msgids, and no text in the
form may be plain English unless it is on a short allow-list (Wagtail's own
strings that its ja catalogue leaves in English, and acronyms).
"""

import json
import re

import pytest
from bs4 import BeautifulSoup
from django.apps import apps
from django.test import Client
from django.utils import translation
from django.utils.functional import Promise
from django_otp.plugins.otp_totp.models import TOTPDevice
from wagtail import blocks
from wagtail.admin.panels import get_edit_handler
from wagtail.fields import StreamField
from wagtail.models import Page, get_page_models

from cms.models import HomePage

pytestmark = pytest.mark.django_db

# covers: issue 11

# Plain-English texts an editor may see: acronyms, the tree root, and Wagtail's
# own strings that Wagtail's ja catalogue leaves untranslated (not ours to fix).
ALLOWED = {
    "url",
    "seo",
    "id",
    "faq",
    "cms",
    "root",
    "side panel width",
    "checks",
    "content metrics",
    "meta description",
    "the name of the page displayed on search engine results as the clickable headline.",
}

# Text made only of ASCII letters, digits, spaces and light punctuation, with at least one letter.
ENGLISH = re.compile(r"^(?=.*[A-Za-z])[A-Za-z0-9 .,'()/\-]+$")


def _project_page_models():
    """Every Page subclass that belongs to one of the project's apps (not Wagtail's own)."""
    return [
        model
        for model in get_page_models()
        if model is not Page and not model._meta.app_config.name.startswith(("wagtail", "django"))
    ]


def _block_texts(block):
    yield block.label
    yield getattr(block.meta, "help_text", None)
    for child in getattr(block, "child_blocks", {}).values():
        yield from _block_texts(child)
    if isinstance(block, blocks.ListBlock):
        yield from _block_texts(block.child_block)


def _panel_texts(panel):
    yield getattr(panel, "heading", None)
    yield getattr(panel, "help_text", None)
    for child in getattr(panel, "children", []):
        yield from _panel_texts(child)


def _models_with_text():
    models = set(_project_page_models()) | set(apps.get_app_config("cms").get_models())
    for model in models:
        yield model
        for relation in model._meta.related_objects:  # inline children such as TopicProduct
            if relation.related_model._meta.app_label == model._meta.app_label:
                yield relation.related_model


def _project_msgids():
    """The English msgids the project declares for its CMS models, panels and blocks."""
    texts = []
    for model in set(_models_with_text()):
        texts += [model._meta.verbose_name, model._meta.verbose_name_plural]
        for field in model._meta.get_fields(include_parents=False):
            if not getattr(field, "concrete", False) or field.auto_created:
                continue
            texts += [field.verbose_name, field.help_text]
            texts += [label for _value, label in (field.choices or [])]
            if isinstance(field, StreamField):
                texts += list(_block_texts(field.stream_block))
        if issubclass(model, Page):
            texts += list(_panel_texts(get_edit_handler(model)))
        texts += list(_panel_texts_of(getattr(model, "panels", [])))
    # Only strings marked for translation: Django's default names (e.g. "page" for a ParentalKey) are not msgids;
    # an unmarked English label is still caught on the rendered form by the ENGLISH pattern.
    marked = [text for text in texts if isinstance(text, Promise)]
    with translation.override(None):  # no catalogue: the msgids themselves
        return {str(text).strip().lower() for text in marked if str(text).strip()}


def _panel_texts_of(panels):
    for panel in panels:
        yield from _panel_texts(panel)


def _json_texts(data):
    """Labels and help texts inside the StreamField definitions Wagtail hands to its JavaScript."""
    if isinstance(data, dict):
        for key, value in data.items():
            if key in ("label", "description", "helpText"):
                if isinstance(value, dict):
                    value = value.get("_val")
                if isinstance(value, str):
                    yield value
            elif key != "strings":  # Wagtail's own UI strings
                yield from _json_texts(value)
    elif isinstance(data, list):
        for item in data:
            yield from _json_texts(item)


def _clean(text):
    return " ".join(text.replace("*", " ").split())


def _visible_texts(html):
    """Texts an editor reads on the form: labels, headings, help, choices, block labels, title and breadcrumbs."""
    soup = BeautifulSoup(html, "html.parser")
    form = soup.select_one("form[data-edit-form]") or soup
    texts = []
    for element in form.select("label, h2, legend, .w-field__help, .help, option, .w-panel__heading"):
        texts.append(element.get_text(" ", strip=True))
    for element in soup.find_all(attrs={"data-w-block-data-value": True}):
        texts += list(_json_texts(json.loads(element["data-w-block-data-value"])))
    heading = [soup.title.get_text(" ", strip=True)] + [h1.get_text(" ", strip=True) for h1 in soup.select("h1")]
    crumbs = [el.get_text(" ", strip=True) for el in soup.select("[data-w-breadcrumbs-target] a, .w-breadcrumbs a")]
    return [_clean(text) for text in texts + crumbs if _clean(text)], heading


def _untranslated(html, msgids):
    texts, heading = _visible_texts(html)
    bad = {text for text in texts if text.lower() in msgids}
    bad |= {text for text in texts if ENGLISH.match(text) and text.lower() not in ALLOWED}
    for line in heading:  # "新規作成: <page type>" / "<page type>を編集中: <title>"
        for msgid in msgids:
            if re.search(r"(?<![A-Za-z])" + re.escape(msgid) + r"(?![A-Za-z])", line, flags=re.IGNORECASE):
                bad.add(f"{msgid} (in {line!r})")
    return sorted(bad)


@pytest.fixture
def editor(django_user_model):
    """A superuser past the second factor (M11), as in the other staff tests."""
    user = django_user_model.objects.create_user(
        "editor-ja", "editor-ja@kobai.example", "pw-editor-ja-123", is_staff=True, is_superuser=True
    )
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    client = Client()
    client.force_login(user)
    session = client.session
    session["otp_device_id"] = device.persistent_id
    session.save()
    return client


def _parent_for(model):
    """A page under which the model may be created (its allowed parent that exists)."""
    for parent_model in model.allowed_parent_page_models():
        parent = parent_model.objects.first() if parent_model is not Page else Page.get_first_root_node()
        if parent is not None:
            return parent
    raise AssertionError(f"no parent for {model.__name__}")


def test_project_msgids_are_found():
    """The checker knows the strings it hunts for, so a missing translation cannot slip through unseen."""
    msgids = _project_msgids()
    for expected in ("topic", "date", "category", "related products", "product", "campaign", "section title"):
        assert expected in msgids


def test_every_page_type_form_reads_in_japanese(editor):
    # covers: issue 11
    msgids = _project_msgids()
    models = _project_page_models()
    assert {m.__name__ for m in models} >= {"HomePage", "StandardPage", "FaqPage", "AboutPage", "TopicPage"}
    problems = {}
    checked_add = set()
    for model in models:
        label = f"{model._meta.app_label}.{model._meta.model_name}"
        parent = _parent_for(model)
        if model.can_create_at(parent):  # singletons (max_count=1) that exist already have no add form
            add_url = f"/cms-admin/pages/add/{model._meta.app_label}/{model._meta.model_name}/{parent.pk}/"
            response = editor.get(add_url)
            assert response.status_code == 200, add_url
            found = _untranslated(response.content.decode(), msgids)
            if found:
                problems[f"add {label}"] = found
            checked_add.add(label)

        page = model.objects.first()
        assert page is not None, f"the demo content has no {label} to edit"
        edit_url = f"/cms-admin/pages/{page.pk}/edit/"
        response = editor.get(edit_url)
        assert response.status_code == 200, edit_url
        found = _untranslated(response.content.decode(), msgids)
        if found:
            problems[f"edit {label}"] = found
    assert {"cms.standardpage", "cms.faqpage", "cms.topicpage"} <= checked_add
    assert not problems, "untranslated texts in the Japanese admin:\n" + "\n".join(
        f"  {where}: {texts}" for where, texts in problems.items()
    )


def test_page_type_names_read_in_japanese_in_choosers_and_listings(editor):
    # covers: issue 11
    msgids = _project_msgids()
    home = HomePage.objects.get()
    for url in (f"/cms-admin/pages/{home.pk}/add_subpage/", f"/cms-admin/pages/{home.pk}/"):
        response = editor.get(url)
        assert response.status_code == 200, url
        soup = BeautifulSoup(response.content, "html.parser")
        main = soup.select_one("main") or soup
        texts = {_clean(el.get_text(" ", strip=True)) for el in main.select("a, td, th, li, p, span")}
        assert not sorted(t for t in texts if t.lower() in msgids), url
