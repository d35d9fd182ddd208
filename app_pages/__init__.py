"""The pages of the Streamlit app (see app.py). Each page only wires widgets to textkit functions."""
