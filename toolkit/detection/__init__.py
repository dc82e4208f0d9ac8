"""Chapter 5 (part 2) of the course notes: object detection and instance segmentation.

Box utilities (``boxes``), detection metrics (``metrics``), selective search
(``selective_search``), ROI pooling and ROI Align (``roi``), anchors (``anchors``) and the five
detectors of the notes' story: R-CNN, Fast R-CNN, Faster R-CNN, YOLO and Mask R-CNN.
"""
