"""Appointments: visits a shopper books at a store, of a type the store offers."""
