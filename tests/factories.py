"""Test data factories (factory_boy): companies, users and their memberships."""

import factory
from django.contrib.auth import get_user_model

from shop.companies.models import Company, Member

PASSWORD = "Right-Password-1"


class CompanyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Company

    name = factory.Sequence(lambda n: f"テスト商事{n}株式会社")
    postcode = "100-0005"
    address = "東京都千代田区丸の内1-1-1"
    representative_name = "代表 太郎"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"K{2000000 + n:07d}")
    email = factory.LazyAttribute(lambda u: f"{u.username.lower()}@example.jp")
    last_name = "山田"
    first_name = "太郎"

    @factory.post_generation
    def password(user, create, extracted, **kwargs):
        user.set_password(extracted or PASSWORD)
        if create:
            user.save(update_fields=["password"])


class MemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Member

    user = factory.SubFactory(UserFactory)
    company = factory.SubFactory(CompanyFactory)
