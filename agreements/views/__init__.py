"""Thin views: load through a selector, bind a form, call one service."""
