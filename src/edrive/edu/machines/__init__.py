"""Electric machines from lumped parameters, each with the same interface (operating points,
envelope, losses): the permanent-magnet synchronous machine (:mod:`~edrive.edu.machines.pmsm`),
the electrically excited synchronous machine (:mod:`~edrive.edu.machines.eesm`) and the
induction machine (:mod:`~edrive.edu.machines.induction`), on the fields and lumped losses
they share (:mod:`~edrive.edu.machines.base`)."""
