"""Delivering one e-mail: to the console/log by default, over SMTP when SAMAKI_MAIL_SERVER is set.\nEverything else sends through core.outbox.send_mail, which keeps mail until it is delivered."""
from __future__ import annotations

import smtplib
from dataclasses import dataclass
from email.message import EmailMessage

from flask import current_app


@dataclass
class Mail:
    to: str
    subject: str
    body: str


def deliver(mail: Mail) -> None:
    config = current_app.config
    if config["MAIL_BACKEND"] != "smtp":
        current_app.logger.warning("E-mail to %s: %s\n%s", mail.to, mail.subject, mail.body)
        current_app.extensions.setdefault("console_mail", []).append(mail)
        return
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = config["MAIL_FROM"], mail.to, mail.subject
    message.set_content(mail.body)
    with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=30) as smtp:
        if config["MAIL_USE_TLS"]:
            smtp.starttls()
        if config["MAIL_USERNAME"]:
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
        smtp.send_message(message)

