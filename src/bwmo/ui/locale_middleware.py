from django.conf import settings
from django.utils import translation


class ChosenLanguageMiddleware:
    """Dutch unless the user chose another language (cookie); the browser's wish is ignored.

    Municipal workstations often run an English browser; bwmo should still speak Dutch.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        supported = {code for code, _name in settings.LANGUAGES}
        language = chosen if chosen in supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        try:
            response = self.get_response(request)
        finally:
            translation.deactivate()  # the next request in this thread starts clean
        response.headers.setdefault("Content-Language", language)
        return response
