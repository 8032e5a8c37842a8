"""Electric machines from lumped parameters, each with the same interface (operating points,
envelope, losses): the permanent-magnet synchronous machine (:mod:`~edrive.edu.machines.pmsm`,
which also holds the loss terms and base classes the other two reuse), the electrically
excited synchronous machine (:mod:`~edrive.edu.machines.eesm`) and the induction machine
(:mod:`~edrive.edu.machines.induction`)."""
