"""Dashboard menu access for the shop's own dashboard pages (imported by settings: no models here)."""


def staff_only(user, url_name, url_args=None, url_kwargs=None) -> bool:
    return user.is_active and user.is_staff
