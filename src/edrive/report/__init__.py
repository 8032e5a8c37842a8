"""Faces of results for people: figures (:mod:`edrive.report.charts`, each a function that
returns a matplotlib figure), the plots of the command line (:mod:`edrive.report.plots`),
offline HTML reports (:mod:`edrive.report.html`: ``vehicle_report_data``,
``compare_report_data``, ``sweep_report_data``, ``plan_report_data`` and ``write_report``)
and text tables (:mod:`edrive.report.text`)."""
