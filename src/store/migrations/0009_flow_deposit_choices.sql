-- What a portal deposit declares beyond the interface code: the émetteur (SIRET of a structure of the
-- depositor's matelas) and the return syntax chosen for this deposit (else the partner's).
ALTER TABLE flows ADD COLUMN emitter_siret text
;
ALTER TABLE flows ADD COLUMN return_syntax text CHECK (return_syntax IN ('CPPStatut', 'AIFEStatut'))
