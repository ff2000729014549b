"""propdesk: the customer-service centre of a property-management company."""
