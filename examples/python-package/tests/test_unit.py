import unittest

from greet import greeting


class GreetingTests(unittest.TestCase):
    def test_names_are_greeted(self):
        self.assertEqual(greeting("ada"), "hello, ada!")

    def test_blank_names_are_strangers(self):
        self.assertEqual(greeting("  "), "hello, stranger!")
