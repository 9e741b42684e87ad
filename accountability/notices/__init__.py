"""Official notices (督办通知书 …) laid out per GB/T 9704-2012: compose the fields, then render
them as PDF (WeasyPrint, `pdf.py`) and DOCX (python-docx, `docx.py`) from the same values."""
