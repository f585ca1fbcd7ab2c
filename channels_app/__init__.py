"""Channel adapters (Amazon SP-API, Shopify, EDI, carriers, ERP): one package per channel.

They import ``wms`` and read its outbox; ``wms`` never imports them.
"""
