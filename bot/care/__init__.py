"""Domain services: enrolment, programme progress, conversations, support relay, safety."""
