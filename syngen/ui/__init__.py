"""The only part of syngen that imports streamlit: state, cached models, shared widgets."""
