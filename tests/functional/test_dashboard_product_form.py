"""Staff edit the B2B product facts in the Oscar dashboard (C1, S1)."""

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice
from oscar.core.loading import get_model

from tests.functional.test_staff_two_factor import code_for

Product = get_model("catalogue", "Product")
Maker = get_model("catalogue", "Maker")

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client, django_user_model):
    staff = django_user_model.objects.create_user(
        "clerk", "clerk@kobai.example", "pw", is_staff=True, is_superuser=True
    )
    device = TOTPDevice.objects.create(user=staff, name="phone", confirmed=True)
    client.force_login(staff)
    client.post("/two-factor/verify/", {"token": code_for(device), "next": "/"})
    return client


def test_product_form_shows_and_saves_the_b2b_fields(staff_client):
    # covers: C1
    product = Product.objects.get(upc="MS-M365BS-1Y")
    url = f"/shop/dashboard/catalogue/products/{product.pk}/"
    page = staff_client.get(url)
    assert page.status_code == 200
    form = page.context["form"]
    for name in ["maker", "licence_kind", "term_months", "unit", "reference_price", "requires_pre_application"]:
        assert name in form.fields, name
    data = {k: v for k, v in form.initial.items() if v is not None and not isinstance(v, list)}
    data.update(
        title=product.title,
        upc=product.upc,
        structure="standalone",
        slug=product.slug,
        maker=Maker.objects.get(slug="adobe").pk,
        licence_kind="maintenance",
        term_months="",
        unit="本",
        reference_price="30000",
        is_public="on",
    )
    for name in ["category_formset", "image_formset", "recommended_formset", "stockrecord_formset"]:
        formset = page.context.get(name)
        if formset is not None:
            for field in formset.management_form:
                data[f"{formset.prefix}-{field.name}"] = field.value()
            data[f"{formset.prefix}-TOTAL_FORMS"] = formset.initial_form_count()
            for sub in formset.forms[: formset.initial_form_count()]:  # leave the blank extra forms blank
                for field in sub:
                    value = field.value()
                    if value is not None:
                        data[f"{sub.prefix}-{field.name}"] = value
    refused = staff_client.post(url, data)
    assert refused.status_code == 200
    assert "契約期間" in refused.content.decode()
    data["term_months"] = "12"
    saved = staff_client.post(url, data)
    errors = (
        {
            n: getattr(saved.context.get(n), "errors", None)
            for n in ["category_formset", "image_formset", "recommended_formset", "stockrecord_formset"]
        }
        if saved.context
        else {}
    )
    assert saved.status_code == 302, errors
    product.refresh_from_db()
    assert (product.maker.slug, product.licence_kind, product.term_months, product.unit) == (
        "adobe",
        "maintenance",
        12,
        "本",
    )
