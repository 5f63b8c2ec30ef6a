app_name = "addressbook"
urlpatterns = []
