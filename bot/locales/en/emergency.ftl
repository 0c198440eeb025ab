## The emergency guard (handlers/emergency.py)

guard-emergency =
    🚨 <b>What you wrote sounds like it could be an emergency.</b>
    Please call <b>{ $emergency_number }</b> now, or go to the nearest emergency department. If someone is with you, ask them to help.

    I've also told our care coordinators. This chat cannot send an ambulance.
guard-continue = When you are safe, we can continue where we left off:
guard-alert-patient = 🚨 <b>Possible emergency</b>: patient #{ $patient_id } wrote words that may signal an emergency. They were shown the emergency number { $emergency_number }. Please check on them in a private chat.
guard-alert-case = 🚨 <b>Possible emergency</b>: the patient of case { $case_number } wrote words that may signal an emergency. They were shown the emergency number { $emergency_number }. Please check on them in a private chat.
